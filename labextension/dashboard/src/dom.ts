/**
 * The only way the dashboard makes DOM nodes. Text always goes through text nodes
 * (never innerHTML), attributes through setAttribute with event-handler and style
 * attributes refused: user strings can never become markup or script, and the CSP
 * (style-src 'self') would drop inline style attributes anyway.
 */

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<
  string,
  string | number | boolean | null | undefined
>;

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (/^on/i.test(name) || name.toLowerCase() === 'style') {
      throw new Error(`refused attribute ${name}`);
    }
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(node: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.appendChild(
      typeof child === 'object' ? child : document.createTextNode(String(child))
    );
  }
}

/** An HTML element with attributes and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/** An SVG element (createElementNS), same rules as el(). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/** Replace all children of a node. */
export function replaceChildren(node: Node, ...children: Child[]): void {
  while (node.firstChild) {
    node.removeChild(node.firstChild);
  }
  append(node, children);
}
