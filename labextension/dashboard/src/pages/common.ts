/**
 * What every page gets (the API, link building, cleanup when the user navigates away)
 * and the small pieces pages share: breadcrumbs, state badges, key/value tables.
 */
import { Api, ApiError } from '../api.js';
import { artifactsPath } from '../artifacts.js';
import { el } from '../dom.js';
import { formatValue } from '../format.js';
import { Route, href } from '../router.js';

export class PageContext {
  private readonly cleanups: (() => void)[] = [];
  private disposed = false;

  constructor(
    readonly base: string,
    readonly viewToken: string | null,
    readonly api: Api,
    readonly root: HTMLElement
  ) {}

  /** An internal link's href (keeps a shared link's view token). */
  href(route: Route): string {
    return href(this.base, route, this.viewToken);
  }

  /** An <a> that navigates inside the app (history.pushState, see dashboard.ts). */
  link(route: Route, ...children: (Node | string)[]): HTMLAnchorElement {
    return el('a', { href: this.href(route), 'data-nav': true }, ...children);
  }

  /** False once the user has left the page: late answers must not touch the DOM. */
  get alive(): boolean {
    return !this.disposed;
  }

  onDispose(cleanup: () => void): void {
    if (this.disposed) {
      cleanup();
    } else {
      this.cleanups.push(cleanup);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0)) {
      cleanup();
    }
  }
}

/** The top bar: Projects / entity / project / run. */
export function breadcrumbs(
  ctx: PageContext,
  entity?: string,
  project?: string,
  run?: { id: string; name: string }
): HTMLElement {
  const parts: Node[] = [ctx.link({ page: 'projects' }, 'Projects')];
  if (entity !== undefined && project !== undefined) {
    parts.push(el('span', { class: 'crumb-entity' }, entity));
    parts.push(
      ctx.link({ page: 'project', entity, project, compare: [] }, project)
    );
    if (run) {
      parts.push(el('span', {}, run.name));
    }
  }
  const nav = el('nav', { class: 'crumbs', 'aria-label': 'breadcrumbs' });
  parts.forEach((part, i) => {
    if (i) {
      nav.appendChild(
        el('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/')
      );
    }
    nav.appendChild(part);
  });
  const tab =
    entity !== undefined && project !== undefined
      ? el(
          'a',
          {
            href: artifactsPath(
              ctx.base,
              entity,
              project,
              run?.id,
              ctx.viewToken
            ),
            'data-nav': true,
            class: 'tab-link',
            'data-testid': 'artifacts-tab'
          },
          'Artifacts'
        )
      : null;
  return el(
    'header',
    { class: 'topbar' },
    el('span', { class: 'brand' }, 'wandb-jupyter'),
    nav,
    tab
  );
}

/** A run state badge (colour by class). */
export function stateBadge(state: string, testid?: string): HTMLElement {
  const known = ['running', 'finished', 'failed', 'crashed'].includes(state)
    ? state
    : 'other';
  return el(
    'span',
    { class: `state state-${known}`, 'data-testid': testid },
    state
  );
}

/** A two-column table of keys and values, sorted by key. */
export function keyValueTable(
  values: Readonly<Record<string, unknown>>,
  testid: string
): HTMLElement {
  const keys = Object.keys(values).sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  );
  if (!keys.length) {
    return el('p', { class: 'empty', 'data-testid': testid }, 'None.');
  }
  return el(
    'table',
    { class: 'kv', 'data-testid': testid },
    el(
      'tbody',
      {},
      ...keys.map(key => {
        const text = formatValue(values[key]);
        return el(
          'tr',
          { 'data-key': key },
          el('th', { scope: 'row' }, key),
          el(
            'td',
            {
              class: typeof values[key] === 'number' ? 'num' : '',
              title: text.length > 80 ? text : null
            },
            text
          )
        );
      })
    )
  );
}

/** A titled page section with an anchor. */
export function section(
  id: string,
  title: string,
  ...children: (Node | null)[]
): HTMLElement {
  return el(
    'section',
    { id, class: 'section' },
    el('h2', {}, title),
    ...children
  );
}

/** The page for a failed load: what went wrong and what to do. */
export function errorView(ctx: PageContext, err: unknown): HTMLElement {
  const box = el('div', {
    class: 'error',
    role: 'alert',
    'data-testid': 'error'
  });
  if (err instanceof ApiError && err.kind === 'auth') {
    // 401 comes from the standalone server (its /login takes an API key or the printed token
    // link); 403 from Jupyter, whose own login a reload of the page leads to.
    const here = `${location.pathname}${location.search}`;
    const signIn =
      err.status === 401
        ? el(
            'p',
            {},
            el(
              'a',
              { href: `${ctx.base}/login?next=${encodeURIComponent(here)}` },
              'Sign in'
            ),
            ' with an API key or the dashboard link the server printed.'
          )
        : el(
            'p',
            {},
            el('a', { href: here }, 'Reload the page'),
            ' to sign in again.'
          );
    box.append(
      el('h1', {}, 'Sign in needed'),
      el('p', {}, `You cannot see this page (${err.message}).`),
      signIn
    );
  } else if (err instanceof ApiError && err.kind === 'notfound') {
    box.append(
      el('h1', {}, 'Not found'),
      el('p', {}, err.message),
      el('p', {}, ctx.link({ page: 'projects' }, 'All projects'))
    );
  } else if (err instanceof ApiError && err.kind === 'network') {
    box.append(
      el('h1', {}, 'Server unreachable'),
      el('p', {}, err.message),
      el('p', {}, 'Check that the server is still running, then reload.')
    );
  } else {
    box.append(
      el('h1', {}, 'Something went wrong'),
      el('p', {}, err instanceof Error ? err.message : String(err))
    );
  }
  return box;
}
