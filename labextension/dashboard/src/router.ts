/**
 * Page URLs <-> routes. Every page is served the same HTML shell; which page it is comes
 * from location.pathname below the dashboard base (`{base}/`, `{base}/{entity}/{project}`,
 * `{base}/{entity}/{project}/runs/{id}`: the URL shape W&B uses, so run.url points here).
 */

export type Route =
  | { readonly page: 'projects' }
  | {
      readonly page: 'project';
      readonly entity: string;
      readonly project: string;
      readonly compare: readonly string[];
    }
  | {
      readonly page: 'run';
      readonly entity: string;
      readonly project: string;
      readonly runId: string;
    }
  | {
      readonly page: 'sweep';
      readonly entity: string;
      readonly project: string;
      readonly sweepId: string;
    }
  | { readonly page: 'unknown'; readonly path: string };

/**
 * The base path from the page's `<meta name="wandb-dashboard-base">`: a path or a full URL,
 * kept percent-encoded as location.pathname is, without a trailing slash ("" at the root).
 */
export function normalizeBase(content: string | null | undefined): string {
  let base = (content ?? '').trim();
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(base);
  if (absolute) {
    base = absolute[1];
  }
  base = base.replace(/\/+$/, '');
  return base && !base.startsWith('/') ? `/${base}` : base;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The run ids of `?compare=a,b` (empty when absent). */
export function compareIds(search: string): string[] {
  const raw = new URLSearchParams(search).get('compare') ?? '';
  return raw
    .split(',')
    .map(id => id.trim())
    .filter(id => id.length > 0);
}

/** Which page a URL shows. */
export function parseRoute(
  pathname: string,
  search: string,
  base: string
): Route {
  const unknown: Route = { page: 'unknown', path: pathname };
  if (pathname !== base && !pathname.startsWith(`${base}/`)) {
    return unknown;
  }
  const raw = pathname
    .slice(base.length)
    .split('/')
    .filter(s => s.length > 0);
  const parts = raw.map(decode);
  if (parts.some(p => p === null)) {
    return unknown;
  }
  const [entity, project, runs, runId] = parts as string[];
  if (parts.length === 0) {
    return { page: 'projects' };
  }
  if (parts.length === 2) {
    return { page: 'project', entity, project, compare: compareIds(search) };
  }
  if (parts.length === 4 && runs === 'runs') {
    return { page: 'run', entity, project, runId };
  }
  if (parts.length === 4 && runs === 'sweeps') {
    return { page: 'sweep', entity, project, sweepId: runId };
  }
  return unknown;
}

/** The path of a route's page (percent-encoded segments). */
export function routePath(base: string, route: Route): string {
  const enc = encodeURIComponent;
  switch (route.page) {
    case 'projects':
      return `${base}/`;
    case 'project': {
      const path = `${base}/${enc(route.entity)}/${enc(route.project)}`;
      return route.compare.length
        ? `${path}?compare=${route.compare.map(enc).join(',')}`
        : path;
    }
    case 'run':
      return `${base}/${enc(route.entity)}/${enc(route.project)}/runs/${enc(route.runId)}`;
    case 'sweep':
      return `${base}/${enc(route.entity)}/${enc(route.project)}/sweeps/${enc(route.sweepId)}`;
    default:
      return route.path;
  }
}

/** Keep an anonymous run's shared-link view token (`view`) on an internal href (query before any #hash). */
export function withViewToken(href: string, viewToken: string | null): string {
  if (!viewToken) {
    return href;
  }
  const hashAt = href.indexOf('#');
  const path = hashAt >= 0 ? href.slice(0, hashAt) : href;
  const hash = hashAt >= 0 ? href.slice(hashAt) : '';
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}view=${encodeURIComponent(viewToken)}${hash}`;
}

/** A route's href with the shared link's view token kept. */
export function href(
  base: string,
  route: Route,
  viewToken: string | null
): string {
  return withViewToken(routePath(base, route), viewToken);
}
