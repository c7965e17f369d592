import {
  DocumentLike,
  parseInline,
  parseMarkdown,
  renderMarkdown,
  safeHref
} from '../src/markdown';

/** A document whose nodes only know children, attributes and text: no HTML parsing at all. */
class FakeNode {
  readonly children: FakeNode[] = [];
  readonly attrs: Record<string, string> = {};
  constructor(
    readonly tag: string,
    public text = ''
  ) {}
  appendChild(child: FakeNode): FakeNode {
    this.children.push(child);
    return child;
  }
  setAttribute(name: string, value: string): void {
    this.attrs[name] = value;
  }
  set textContent(value: string) {
    this.children.length = 0;
    this.children.push(new FakeNode('#text', value));
  }
}

const fakeDocument = {
  createElement: (tag: string) => new FakeNode(tag),
  createTextNode: (text: string) => new FakeNode('#text', text),
  createDocumentFragment: () => new FakeNode('#fragment')
} as unknown as DocumentLike;

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The tree as HTML text, every text node escaped (what a browser would show). */
function html(node: FakeNode): string {
  if (node.tag === '#text') {
    return escape(node.text);
  }
  const inner = node.children.map(html).join('');
  if (node.tag === '#fragment') {
    return inner;
  }
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}

const render = (src: string): string =>
  html(renderMarkdown(src, fakeDocument) as unknown as FakeNode);

describe('blocks', () => {
  it('renders headings, paragraphs and rules', () => {
    expect(render('# Title\n\nSome text\nmore text\n\n---\n## Sub ##')).toBe(
      '<h1>Title</h1><p>Some text\nmore text</p><hr></hr><h2>Sub</h2>'
    );
    expect(render('Big\n===\nSmall\n---')).toBe('<h1>Big</h1><h2>Small</h2>');
    expect(render('#hashtag')).toBe('<p>#hashtag</p>');
  });

  it('renders fenced and indented code verbatim', () => {
    expect(render('```python\nx = 1 < 2  # *not emphasis*\n```')).toBe(
      '<pre><code data-lang="python">x = 1 &lt; 2  # *not emphasis*</code></pre>'
    );
    expect(render('text\n\n    indented\n      more\n')).toBe(
      '<p>text</p><pre><code>indented\n  more</code></pre>'
    );
    expect(render('~~~\nunclosed')).toBe('<pre><code>unclosed</code></pre>');
  });

  it('renders bullet, ordered and nested lists', () => {
    expect(render('- one\n- two\n  - nested\n* other')).toBe(
      '<ul><li><p>one</p></li><li><p>two</p><ul><li><p>nested</p></li></ul></li></ul><ul><li><p>other</p></li></ul>'
    );
    expect(render('3. c\n4. d\n\n5. e')).toBe(
      '<ol start="3"><li><p>c</p></li><li><p>d</p></li><li><p>e</p></li></ol>'
    );
    expect(render('- item\ncontinued')).toBe(
      '<ul><li><p>item\ncontinued</p></li></ul>'
    );
  });

  it('renders quotes', () => {
    expect(render('> quoted *text*\n> - item')).toBe(
      '<blockquote><p>quoted <em>text</em></p><ul><li><p>item</p></li></ul></blockquote>'
    );
  });

  it('survives deep nesting', () => {
    expect(() => render('>'.repeat(5000) + ' deep')).not.toThrow();
  });
});

describe('inlines', () => {
  it('renders emphasis, strong, strike and code', () => {
    expect(render('*em* **strong** ***both*** ~~gone~~ `a*b*c`')).toBe(
      '<p><em>em</em> <strong>strong</strong> <strong><em>both</em></strong> <del>gone</del> <code>a*b*c</code></p>'
    );
    expect(render('_em_ and __strong__')).toBe(
      '<p><em>em</em> and <strong>strong</strong></p>'
    );
    expect(render('*a **b** c*')).toBe(
      '<p><em>a <strong>b</strong> c</em></p>'
    );
  });

  it('leaves snake_case names and lone stars alone', () => {
    expect(render('learning_rate_warmup and 2 * 3 * 4')).toBe(
      '<p>learning_rate_warmup and 2 * 3 * 4</p>'
    );
    expect(render('**unclosed')).toBe('<p>**unclosed</p>');
    expect(render('\\*not em\\*')).toBe('<p>*not em*</p>');
  });

  it('breaks lines on two trailing spaces or a backslash', () => {
    expect(render('a  \nb\\\nc')).toBe('<p>a<br></br>b<br></br>c</p>');
  });

  it('links http(s) and mailto, safely', () => {
    expect(render('[docs](https://example.com/a_(b) "title")')).toBe(
      '<p><a href="https://example.com/a_(b)" target="_blank" rel="noopener noreferrer">docs</a></p>'
    );
    expect(render('<mailto:me@example.com> see https://x.org/p?q=1.')).toBe(
      '<p><a href="mailto:me@example.com" target="_blank" rel="noopener noreferrer">mailto:me@example.com</a> see ' +
        '<a href="https://x.org/p?q=1" target="_blank" rel="noopener noreferrer">https://x.org/p?q=1</a>.</p>'
    );
  });

  it('never links javascript:, data: or relative URLs', () => {
    expect(render('[click](javascript:alert(1))')).toBe('<p>click</p>');
    expect(render('[x](  JaVaScRiPt:alert(1))')).toBe('<p>x</p>');
    expect(render('[x](data:text/html,<script>alert(1)</script>)')).toBe(
      '<p>x</p>'
    );
    expect(render('[x](/relative)')).toBe('<p>x</p>');
    expect(render('<javascript:alert(1)>')).toBe(
      '<p>&lt;javascript:alert(1)&gt;</p>'
    );
  });

  it('shows raw HTML as text', () => {
    expect(
      render('<img src=x onerror=alert(1)><script>alert("x")</script>')
    ).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert("x")&lt;/script&gt;</p>'
    );
  });

  it('parses to a plain tree', () => {
    expect(parseInline('a [b *c*](http://x.y)')).toEqual([
      { type: 'text', text: 'a ' },
      {
        type: 'link',
        href: 'http://x.y/',
        children: [
          { type: 'text', text: 'b ' },
          { type: 'em', children: [{ type: 'text', text: 'c' }] }
        ]
      }
    ]);
    expect(parseMarkdown('')).toEqual([]);
  });

  it('stays fast on pathological input', () => {
    const started = Date.now();
    render('*a '.repeat(20000) + '[['.repeat(2000));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('safeHref', () => {
  it('accepts only absolute http, https and mailto URLs', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com/');
    expect(safeHref(' <http://a.b/c> ')).toBe('http://a.b/c');
    expect(safeHref('mailto:x@y.z')).toBe('mailto:x@y.z');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('vbscript:x')).toBeNull();
    expect(safeHref('//evil.com')).toBeNull();
    expect(safeHref('file:///etc/passwd')).toBeNull();
  });
});
