import {
  headersAllowFrame,
  IHeaderLookup,
  placementFor,
  RUN_PAGE_SANDBOX,
  sourceMatches,
  urlAllowsFrame
} from '../frame';

const LAB = 'http://127.0.0.1:8888/lab/tree/a.ipynb';

function headers(values: { [name: string]: string }): IHeaderLookup {
  const lower: { [name: string]: string } = {};
  for (const [key, value] of Object.entries(values)) {
    lower[key.toLowerCase()] = value;
  }
  return { get: (name: string) => lower[name.toLowerCase()] ?? null };
}

describe('urlAllowsFrame', () => {
  it('allows http(s) pages', () => {
    expect(urlAllowsFrame('https://wandb.ai/t/p/runs/x', LAB)).toBe(true);
    expect(urlAllowsFrame('/files/page.html', LAB)).toBe(true);
  });

  it('refuses other schemes, bad URLs and mixed content', () => {
    expect(urlAllowsFrame('javascript:alert(1)', LAB)).toBe(false);
    expect(urlAllowsFrame('file:///etc/passwd', LAB)).toBe(false);
    expect(
      urlAllowsFrame('http://example.com/x', 'https://hub.example.org/lab')
    ).toBe(false);
    expect(
      urlAllowsFrame('http://localhost:9/x', 'https://hub.example.org/lab')
    ).toBe(true);
  });
});

describe('headersAllowFrame', () => {
  const url = 'https://runs.example.com/r/1';

  it('follows X-Frame-Options', () => {
    expect(headersAllowFrame(headers({}), url, LAB)).toBe(true);
    expect(
      headersAllowFrame(headers({ 'X-Frame-Options': 'DENY' }), url, LAB)
    ).toBe(false);
    expect(
      headersAllowFrame(headers({ 'X-Frame-Options': 'sameorigin' }), url, LAB)
    ).toBe(false);
    expect(
      headersAllowFrame(
        headers({ 'X-Frame-Options': 'SAMEORIGIN' }),
        'http://127.0.0.1:8888/files/x.html',
        LAB
      )
    ).toBe(true);
  });

  it('lets frame-ancestors decide over X-Frame-Options', () => {
    const csp = (value: string) =>
      headers({ 'Content-Security-Policy': value, 'X-Frame-Options': 'DENY' });
    expect(
      headersAllowFrame(csp("default-src 'self'; frame-ancestors *"), url, LAB)
    ).toBe(true);
    expect(headersAllowFrame(csp("frame-ancestors 'none'"), url, LAB)).toBe(
      false
    );
    expect(headersAllowFrame(csp("frame-ancestors 'self'"), url, LAB)).toBe(
      false
    );
    expect(
      headersAllowFrame(csp('frame-ancestors http://127.0.0.1:8888'), url, LAB)
    ).toBe(true);
    expect(
      headersAllowFrame(csp('frame-ancestors http://127.0.0.1:9999'), url, LAB)
    ).toBe(false);
    expect(
      headersAllowFrame(csp('frame-ancestors http://127.0.0.1:*'), url, LAB)
    ).toBe(true);
  });

  it('ignores policies without frame-ancestors', () => {
    expect(
      headersAllowFrame(
        headers({ 'Content-Security-Policy': "default-src 'self'" }),
        url,
        LAB
      )
    ).toBe(true);
  });
});

describe('sourceMatches', () => {
  const origin = new URL('https://lab.example.org');
  const target = new URL('https://runs.example.com');

  it('matches hosts, wildcards and schemes', () => {
    expect(sourceMatches('*.example.org', origin, target)).toBe(true);
    expect(sourceMatches('https://lab.example.org', origin, target)).toBe(true);
    expect(sourceMatches('http://lab.example.org', origin, target)).toBe(false);
    expect(sourceMatches('https:', origin, target)).toBe(true);
    expect(sourceMatches('lab.example.org:443', origin, target)).toBe(true);
    expect(sourceMatches('other.org', origin, target)).toBe(false);
    expect(sourceMatches("'self'", origin, target)).toBe(false);
  });
});

describe('placementFor', () => {
  it('frames when headers cannot be read, or allow it', async () => {
    expect(
      await placementFor('https://r.example.com/x', LAB, async () => null)
    ).toBe('lab');
    expect(
      await placementFor('https://r.example.com/x', LAB, async () =>
        headers({})
      )
    ).toBe('lab');
  });

  it('opens a browser tab when the page refuses frames or the URL cannot be framed', async () => {
    expect(
      await placementFor('https://r.example.com/x', LAB, async () =>
        headers({ 'X-Frame-Options': 'DENY' })
      )
    ).toBe('browser');
    const never = jest.fn();
    expect(await placementFor('ftp://r.example.com/x', LAB, never)).toBe(
      'browser'
    );
    expect(never).not.toHaveBeenCalled();
  });

  it('treats a failing header fetch as unreadable', async () => {
    expect(
      await placementFor('https://r.example.com/x', LAB, async () => {
        throw new Error('network');
      })
    ).toBe('lab');
  });
});

describe('RUN_PAGE_SANDBOX', () => {
  // The keywords of the HTML standard's iframe sandbox attribute: a browser ignores any other
  // token (and logs an error), so a misspelt one silently takes a permission away.
  const KEYWORDS = new Set([
    'allow-downloads',
    'allow-forms',
    'allow-modals',
    'allow-orientation-lock',
    'allow-pointer-lock',
    'allow-popups',
    'allow-popups-to-escape-sandbox',
    'allow-presentation',
    'allow-same-origin',
    'allow-scripts',
    'allow-storage-access-by-user-activation',
    'allow-top-navigation',
    'allow-top-navigation-by-user-activation',
    'allow-top-navigation-to-custom-protocols'
  ]);

  it('holds only keywords browsers know', () => {
    for (const token of RUN_PAGE_SANDBOX) {
      expect(KEYWORDS.has(token)).toBe(true);
    }
  });

  it('lets links the page opens leave the sandbox, and never the top window navigate', () => {
    expect(RUN_PAGE_SANDBOX).toContain('allow-popups');
    expect(RUN_PAGE_SANDBOX).toContain('allow-popups-to-escape-sandbox');
    expect(
      RUN_PAGE_SANDBOX.filter(t => t.startsWith('allow-top-navigation'))
    ).toEqual([]);
  });
});
