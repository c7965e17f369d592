/**
 * A small Markdown renderer for run notes and notebook cells: headings, paragraphs,
 * emphasis, code, code blocks, lists, quotes, rules and links. It parses to a tree and
 * builds DOM nodes with createElement/createTextNode only, so no user text is ever parsed
 * as HTML (raw HTML in the source shows as text). Links keep only http(s) and mailto URLs.
 */

export type Inline =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'code'; readonly text: string }
  | {
      readonly type: 'strong' | 'em' | 'del';
      readonly children: readonly Inline[];
    }
  | {
      readonly type: 'link';
      readonly href: string;
      readonly children: readonly Inline[];
    }
  | { readonly type: 'break' };

export type Block =
  | {
      readonly type: 'heading';
      readonly level: number;
      readonly inlines: readonly Inline[];
    }
  | { readonly type: 'paragraph'; readonly inlines: readonly Inline[] }
  | { readonly type: 'code'; readonly lang: string; readonly text: string }
  | {
      readonly type: 'list';
      readonly ordered: boolean;
      readonly start: number;
      readonly items: readonly (readonly Block[])[];
    }
  | { readonly type: 'quote'; readonly blocks: readonly Block[] }
  | { readonly type: 'rule' };

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL to link to, or null when it is not an absolute http(s)/mailto URL. */
export function safeHref(raw: string): string | null {
  const text = raw.trim().replace(/^<(.*)>$/, '$1');
  try {
    const url = new URL(text);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>[ ]?/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const MAX_DEPTH = 16;

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function indentOf(line: string): number {
  return line.length - line.replace(/^ +/, '').length;
}

function startsBlock(line: string): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line)
  );
}

function parseFence(lines: string[], i: number): [Block, number] {
  const [, fence, lang] = FENCE.exec(lines[i]) as RegExpExecArray;
  const body: string[] = [];
  let j = i + 1;
  const close = new RegExp(
    `^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`
  );
  while (j < lines.length && !close.test(lines[j])) {
    body.push(lines[j]);
    j++;
  }
  return [{ type: 'code', lang, text: body.join('\n') }, j + 1];
}

function parseList(lines: string[], i: number, depth: number): [Block, number] {
  const first = LIST_ITEM.exec(lines[i]) as RegExpExecArray;
  const ordered = /\d/.test(first[2]);
  const markerKind = ordered ? first[2].slice(-1) : first[2];
  const items: Block[][] = [];
  let j = i;
  while (j < lines.length) {
    const m = LIST_ITEM.exec(lines[j]);
    if (
      !m ||
      (ordered
        ? m[2].slice(-1) !== markerKind || !/\d/.test(m[2])
        : m[2] !== markerKind)
    ) {
      break;
    }
    const contentIndent = m[0].length;
    const body = [lines[j].slice(contentIndent)];
    j++;
    while (j < lines.length) {
      const line = lines[j];
      if (isBlank(line)) {
        const next = lines.slice(j + 1).find(l => !isBlank(l));
        if (next === undefined || indentOf(next) < contentIndent) {
          break;
        }
        body.push('');
      } else if (indentOf(line) >= contentIndent) {
        body.push(line.slice(contentIndent));
      } else if (!startsBlock(line) && !isBlank(body[body.length - 1])) {
        body.push(line); // lazy continuation of the item's paragraph
      } else {
        break;
      }
      j++;
    }
    items.push(parseBlocks(body, depth + 1));
    // a blank line between items keeps the list going
    while (
      j < lines.length &&
      isBlank(lines[j]) &&
      j + 1 < lines.length &&
      LIST_ITEM.test(lines[j + 1])
    ) {
      j++;
    }
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  return [{ type: 'list', ordered, start, items }, j];
}

function parseBlocks(lines: string[], depth = 0): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
    } else if (depth >= MAX_DEPTH) {
      blocks.push({
        type: 'paragraph',
        inlines: [{ type: 'text', text: lines.slice(i).join('\n').trim() }]
      });
      break;
    } else if (FENCE.test(line)) {
      const [block, next] = parseFence(lines, i);
      blocks.push(block);
      i = next;
    } else if (HEADING.test(line)) {
      const [, hashes, text] = HEADING.exec(line) as RegExpExecArray;
      blocks.push({
        type: 'heading',
        level: hashes.length,
        inlines: parseInline(text ?? '')
      });
      i++;
    } else if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
    } else if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(lines[i].replace(QUOTE, ''));
        i++;
      }
      blocks.push({ type: 'quote', blocks: parseBlocks(body, depth + 1) });
    } else if (LIST_ITEM.test(line)) {
      const [block, next] = parseList(lines, i, depth);
      blocks.push(block);
      i = next;
    } else if (indentOf(line) >= 4) {
      const body: string[] = [];
      while (
        i < lines.length &&
        (isBlank(lines[i]) || indentOf(lines[i]) >= 4)
      ) {
        body.push(lines[i].slice(4));
        i++;
      }
      while (body.length && isBlank(body[body.length - 1])) {
        body.pop();
      }
      blocks.push({ type: 'code', lang: '', text: body.join('\n') });
    } else {
      const body = [line.replace(/^\s+/, '')];
      i++;
      let level = 0;
      while (i < lines.length && !isBlank(lines[i])) {
        const setext = SETEXT.exec(lines[i]);
        if (setext) {
          level = setext[1][0] === '=' ? 1 : 2;
          i++;
          break;
        }
        if (startsBlock(lines[i])) {
          break;
        }
        body.push(lines[i].replace(/^\s+/, ''));
        i++;
      }
      const inlines = parseInline(body.join('\n'));
      blocks.push(
        level
          ? { type: 'heading', level, inlines }
          : { type: 'paragraph', inlines }
      );
    }
  }
  return blocks;
}

/** Markdown source -> block tree. */
export function parseMarkdown(source: string): Block[] {
  return parseBlocks(
    source.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n')
  );
}

// ---------------------------------------------------------------- inlines

const PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;

function isSpace(c: string | undefined): boolean {
  return c === undefined || /\s/.test(c);
}

function runLength(s: string, i: number, c: string): number {
  let j = i;
  while (s[j] === c) {
    j++;
  }
  return j - i;
}

/** End index (exclusive) of the `]` that closes the `[` at i, or -1. */
function closingBracket(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    if (s[j] === '\\') {
      j++;
    } else if (s[j] === '[') {
      depth++;
    } else if (s[j] === ']' && --depth === 0) {
      return j;
    }
  }
  return -1;
}

/** `[label](url "title")` at i: the label, raw url and end index, or null. */
function matchLink(
  s: string,
  i: number
): { label: string; url: string; end: number } | null {
  const close = closingBracket(s, i);
  if (close < 0 || s[close + 1] !== '(') {
    return null;
  }
  let depth = 0;
  for (let j = close + 1; j < s.length; j++) {
    if (s[j] === '(') {
      depth++;
    } else if (s[j] === ')' && --depth === 0) {
      const target = s.slice(close + 2, j).trim();
      const url = /^<[^>]*>/.test(target)
        ? target.slice(1, target.indexOf('>'))
        : target.split(/\s+/)[0];
      return { label: s.slice(i + 1, close), url, end: j + 1 };
    }
  }
  return null;
}

/** Closing delimiter of `delim` (a run of exactly its length) at or after `from`, or -1. */
function closingDelimiter(s: string, from: number, delim: string): number {
  const c = delim[0];
  for (let j = from; j < s.length;) {
    if (s[j] === '`') {
      const n = runLength(s, j, '`');
      const end = s.indexOf('`'.repeat(n), j + n);
      j = end < 0 ? j + n : end + n;
      continue;
    }
    if (s[j] === '\\') {
      j += 2;
      continue;
    }
    if (s[j] !== c) {
      j++;
      continue;
    }
    const n = runLength(s, j, c);
    const wordAfter = c === '_' && WORD.test(s[j + n] ?? '');
    if (n === delim.length && j >= from && !isSpace(s[j - 1]) && !wordAfter) {
      return j;
    }
    j += n;
  }
  return -1;
}

const EMPHASIS: Record<string, (children: Inline[]) => Inline> = {
  '***': children => ({ type: 'strong', children: [{ type: 'em', children }] }),
  ___: children => ({ type: 'strong', children: [{ type: 'em', children }] }),
  '**': children => ({ type: 'strong', children }),
  __: children => ({ type: 'strong', children }),
  '*': children => ({ type: 'em', children }),
  _: children => ({ type: 'em', children }),
  '~~': children => ({ type: 'del', children })
};

/** Inline Markdown -> inline tree. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = (): void => {
    if (text) {
      out.push({ type: 'text', text });
      text = '';
    }
  };
  const push = (node: Inline): void => {
    flush();
    out.push(node);
  };
  const failed = new Map<string, number>(); // delimiter -> first index whose closer search failed
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '\n') {
      push({ type: 'break' });
      i += 2;
    } else if (c === '\\' && PUNCT.test(s[i + 1] ?? '')) {
      text += s[i + 1];
      i += 2;
    } else if (c === ' ' && s.startsWith('  \n', i)) {
      push({ type: 'break' });
      i += 3;
    } else if (c === '`') {
      const n = runLength(s, i, '`');
      const end = s.indexOf('`'.repeat(n), i + n);
      if (end >= 0 && runLength(s, end, '`') === n) {
        let code = s.slice(i + n, end).replace(/\n/g, ' ');
        if (/^ .*[^ ].* $/.test(code)) {
          code = code.slice(1, -1);
        }
        push({ type: 'code', text: code });
        i = end + n;
      } else {
        text += s.slice(i, i + n);
        i += n;
      }
    } else if (
      (c === '[' || (c === '!' && s[i + 1] === '[')) &&
      matchLink(s, c === '!' ? i + 1 : i)
    ) {
      const link = matchLink(s, c === '!' ? i + 1 : i) as {
        label: string;
        url: string;
        end: number;
      };
      const href = safeHref(link.url);
      const children = parseInline(link.label);
      if (href) {
        push({ type: 'link', href, children });
      } else {
        flush();
        out.push(...children);
      }
      i = link.end;
    } else if (c === '<' && /^<(?:https?|mailto):[^\s<>]+>/i.test(s.slice(i))) {
      const end = s.indexOf('>', i);
      const raw = s.slice(i + 1, end);
      const href = safeHref(raw);
      push(
        href
          ? { type: 'link', href, children: [{ type: 'text', text: raw }] }
          : { type: 'text', text: raw }
      );
      i = end + 1;
    } else if (
      (c === 'h' || c === 'H') &&
      /^https?:\/\/[^\s<]/i.test(s.slice(i, i + 9)) &&
      !WORD.test(s[i - 1] ?? '')
    ) {
      let raw = /^https?:\/\/[^\s<]+/i.exec(s.slice(i))?.[0] ?? '';
      raw = raw.replace(/[.,;:!?'"*_~]+$/, '');
      if (raw.endsWith(')') && !raw.includes('(')) {
        raw = raw.replace(/\)+$/, '');
      }
      const href = safeHref(raw);
      push(
        href
          ? { type: 'link', href, children: [{ type: 'text', text: raw }] }
          : { type: 'text', text: raw }
      );
      i += raw.length;
    } else if (c === '*' || c === '_' || c === '~') {
      const n = runLength(s, i, c);
      const tries =
        c === '~'
          ? n === 2
            ? ['~~']
            : []
          : [c.repeat(Math.min(n, 3)), c.repeat(Math.min(n, 2)), c].filter(
              (d, k, a) => a.indexOf(d) === k
            );
      const canOpen =
        !isSpace(s[i + n]) && !(c === '_' && WORD.test(s[i - 1] ?? ''));
      let matched = false;
      for (const delim of canOpen ? tries : []) {
        if ((failed.get(delim) ?? Infinity) <= i) {
          continue;
        }
        const close = closingDelimiter(s, i + n, delim);
        if (close < 0) {
          failed.set(delim, Math.min(failed.get(delim) ?? Infinity, i));
          continue;
        }
        text += c.repeat(n - delim.length);
        push(EMPHASIS[delim](parseInline(s.slice(i + n, close))));
        i = close + delim.length;
        matched = true;
        break;
      }
      if (!matched) {
        text += s.slice(i, i + n);
        i += n;
      }
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return out;
}

// ---------------------------------------------------------------- DOM

/** What the renderer needs of a document (a real one in the browser, a fake in tests). */
export type DocumentLike = Pick<
  Document,
  'createElement' | 'createTextNode' | 'createDocumentFragment'
>;

function renderInlines(
  doc: DocumentLike,
  parent: Node,
  inlines: readonly Inline[]
): void {
  for (const node of inlines) {
    switch (node.type) {
      case 'text':
        parent.appendChild(doc.createTextNode(node.text));
        break;
      case 'code': {
        const code = doc.createElement('code');
        code.textContent = node.text;
        parent.appendChild(code);
        break;
      }
      case 'break':
        parent.appendChild(doc.createElement('br'));
        break;
      case 'link': {
        const a = doc.createElement('a');
        a.setAttribute('href', node.href);
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener noreferrer');
        renderInlines(doc, a, node.children);
        parent.appendChild(a);
        break;
      }
      default: {
        const wrap = doc.createElement(node.type);
        renderInlines(doc, wrap, node.children);
        parent.appendChild(wrap);
      }
    }
  }
}

function renderBlocks(
  doc: DocumentLike,
  parent: Node,
  blocks: readonly Block[]
): void {
  for (const block of blocks) {
    let node: HTMLElement;
    switch (block.type) {
      case 'heading':
        node = doc.createElement(`h${block.level}`);
        renderInlines(doc, node, block.inlines);
        break;
      case 'paragraph':
        node = doc.createElement('p');
        renderInlines(doc, node, block.inlines);
        break;
      case 'code': {
        node = doc.createElement('pre');
        const code = doc.createElement('code');
        code.textContent = block.text;
        if (block.lang) {
          code.setAttribute('data-lang', block.lang);
        }
        node.appendChild(code);
        break;
      }
      case 'list':
        node = doc.createElement(block.ordered ? 'ol' : 'ul');
        if (block.ordered && block.start !== 1) {
          node.setAttribute('start', String(block.start));
        }
        for (const item of block.items) {
          const li = doc.createElement('li');
          renderBlocks(doc, li, item);
          node.appendChild(li);
        }
        break;
      case 'quote':
        node = doc.createElement('blockquote');
        renderBlocks(doc, node, block.blocks);
        break;
      default:
        node = doc.createElement('hr');
    }
    parent.appendChild(node);
  }
}

/** Markdown source -> a fragment of DOM nodes, all text set as text. */
export function renderMarkdown(
  source: string,
  doc: DocumentLike = document
): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  renderBlocks(doc, fragment, parseMarkdown(source));
  return fragment;
}
