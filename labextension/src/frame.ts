/**
 * Can a run page be shown in a JupyterLab tab (an iframe), or must it open in a browser tab?
 *
 * A page forbids framing with `X-Frame-Options` or CSP `frame-ancestors`;
 * a browser also blocks http pages inside an https Lab (mixed content).
 * Cross-origin response headers are only readable when the server exposes
 * them (CORS), so an unreadable answer means "try the frame": the tab has
 * an "Open in a browser tab" button for pages that still refuse.
 */

import type { IFrame } from '@jupyterlab/ui-components';

export type Placement = 'lab' | 'browser';

/**
 * What a framed run page may do: run its scripts, keep its own origin (logins), open links
 * (which leave the sandbox, so the pages they open work normally) and download.
 * JupyterLab 4's type lists `popups-to-escape-sandbox`, a token no browser knows (it logs an
 * error and drops it); the HTML keyword is `allow-popups-to-escape-sandbox`.
 */
export const RUN_PAGE_SANDBOX = [
  'allow-scripts',
  'allow-same-origin',
  'allow-forms',
  'allow-popups',
  'allow-popups-to-escape-sandbox',
  'allow-downloads',
  'allow-modals'
] as IFrame.SandboxExceptions[];

/** Minimal view of response headers (the Fetch API's Headers fits). */
export interface IHeaderLookup {
  get(name: string): string | null;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function parse(url: string, base?: string): URL | null {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}

/** True when `url` can be loaded in a frame of a page at `pageUrl` as far as the URLs alone tell. */
export function urlAllowsFrame(url: string, pageUrl: string): boolean {
  const target = parse(url, pageUrl);
  const page = parse(pageUrl);
  if (!target || !page || !/^https?:$/.test(target.protocol)) {
    return false;
  }
  // mixed content: an http page in an https Lab is blocked, except on loopback
  if (
    page.protocol === 'https:' &&
    target.protocol === 'http:' &&
    !LOOPBACK.test(target.hostname)
  ) {
    return false;
  }
  return true;
}

/** Does a CSP source expression (e.g. `'self'`, `*.example.com`, `https:`) match `origin`? */
export function sourceMatches(
  source: string,
  origin: URL,
  targetOrigin: URL
): boolean {
  const expr = source.trim().toLowerCase();
  if (!expr) {
    return false;
  }
  if (expr === '*') {
    return true;
  }
  if (expr === "'self'") {
    return origin.origin === targetOrigin.origin;
  }
  if (expr === "'none'") {
    return false;
  }
  if (/^[a-z][a-z0-9+.-]*:$/.test(expr)) {
    return origin.protocol === expr;
  }
  const match =
    /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+|\*)(?::(\d+|\*))?(?:\/.*)?$/.exec(
      expr
    );
  if (!match) {
    return false;
  }
  const [, scheme, wildcard, host, port] = match;
  if (scheme && `${scheme}:` !== origin.protocol) {
    return false;
  }
  if (!scheme && origin.protocol !== 'https:' && origin.protocol !== 'http:') {
    return false;
  }
  const hostname = origin.hostname.toLowerCase();
  if (host !== '*') {
    if (wildcard) {
      if (!hostname.endsWith(`.${host}`)) {
        return false;
      }
    } else if (hostname !== host) {
      return false;
    }
  }
  if (port && port !== '*') {
    const actual =
      origin.port ||
      (origin.protocol === 'https:'
        ? '443'
        : origin.protocol === 'http:'
          ? '80'
          : '');
    return actual === port;
  }
  if (!port && origin.port) {
    // no port in the expression: only the scheme's default port matches
    return false;
  }
  return true;
}

/** What the response headers of `url` say about framing it inside `pageUrl`. */
export function headersAllowFrame(
  headers: IHeaderLookup,
  url: string,
  pageUrl: string
): boolean {
  const page = parse(pageUrl);
  const target = parse(url, pageUrl);
  if (!page || !target) {
    return false;
  }
  const csp = headers.get('content-security-policy');
  if (csp) {
    for (const policy of csp.split(',')) {
      const directive = policy
        .split(';')
        .map(part => part.trim())
        .find(part => /^frame-ancestors(\s|$)/i.test(part));
      if (directive !== undefined) {
        const sources = directive.split(/\s+/).slice(1);
        if (!sources.some(source => sourceMatches(source, page, target))) {
          return false;
        }
        // frame-ancestors present: it overrides X-Frame-Options
        return true;
      }
    }
  }
  const xfo = (headers.get('x-frame-options') || '').trim().toLowerCase();
  if (xfo === 'deny') {
    return false;
  }
  if (xfo === 'sameorigin') {
    return page.origin === target.origin;
  }
  return true;
}

/**
 * Where to open `url`: a Lab tab unless the URL or its readable headers forbid framing.
 *
 * `fetchHeaders` fetches the page's response headers (null when they cannot be
 * read: network error, CORS, timeout); it is only called when the URL itself allows a frame.
 */
export async function placementFor(
  url: string,
  pageUrl: string,
  fetchHeaders: (url: string) => Promise<IHeaderLookup | null>
): Promise<Placement> {
  if (!urlAllowsFrame(url, pageUrl)) {
    return 'browser';
  }
  let headers: IHeaderLookup | null = null;
  try {
    headers = await fetchHeaders(url);
  } catch {
    headers = null;
  }
  if (headers === null) {
    return 'lab';
  }
  return headersAllowFrame(headers, url, pageUrl) ? 'lab' : 'browser';
}

/** Headers of `url` through the Fetch API, null when unreadable within `timeoutMs`. */
export async function fetchHeaders(
  url: string,
  timeoutMs = 2500
): Promise<IHeaderLookup | null> {
  if (typeof fetch !== 'function') {
    return null;
  }
  const controller =
    typeof AbortController === 'function' ? new AbortController() : null;
  const timer = setTimeout(() => controller?.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'GET',
      mode: 'cors',
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'follow',
      signal: controller?.signal
    });
    // an opaque response carries no headers; the body itself is not needed
    const result = response.type === 'opaque' ? null : response.headers;
    try {
      void response.body?.cancel();
    } catch {
      // already consumed or locked
    }
    return result;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
