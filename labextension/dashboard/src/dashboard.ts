/**
 * Entry point: read the base from `<meta name="wandb-dashboard-base">`, route on
 * location.pathname, and navigate between pages with history.pushState (internal links
 * carry data-nav; they are real hrefs, so opening one in a new tab works too).
 */
import { Api } from './api.js';
import { parseArtifactsRoute } from './artifacts.js';
import { el, replaceChildren } from './dom.js';
import { showArtifactsTab } from './pages/artifacts.js';
import { PageContext, errorView } from './pages/common.js';
import { renderProject } from './pages/project.js';
import { renderProjects } from './pages/projects.js';
import { renderRun } from './pages/run.js';
import { renderSweep } from './pages/sweep.js';
import { normalizeBase, parseRoute } from './router.js';

const base = normalizeBase(
  document
    .querySelector('meta[name="wandb-dashboard-base"]')
    ?.getAttribute('content')
);
const viewToken = new URLSearchParams(location.search).get('view');
const api = new Api(base, viewToken);

function appRoot(): HTMLElement {
  const existing = document.getElementById('app');
  if (existing) {
    return existing;
  }
  const root = el('div', { id: 'app' });
  document.body.appendChild(root);
  return root;
}

const root = appRoot();
let current: PageContext | null = null;
let shown = '';

async function show(): Promise<void> {
  current?.dispose();
  shown = location.pathname + location.search;
  const ctx = new PageContext(base, viewToken, api, root);
  current = ctx;
  const tab = parseArtifactsRoute(location.pathname, base);
  if (tab) {
    return showArtifactsTab(ctx, tab);
  }
  const route = parseRoute(location.pathname, location.search, base);
  root.setAttribute('aria-busy', 'true');
  try {
    switch (route.page) {
      case 'projects':
        await renderProjects(ctx);
        break;
      case 'project':
        await renderProject(ctx, route);
        break;
      case 'run':
        await renderRun(ctx, route);
        break;
      case 'sweep':
        await renderSweep(ctx, route);
        break;
      default:
        replaceChildren(
          root,
          errorView(ctx, new Error(`No page at ${route.path}.`))
        );
    }
    if (ctx.alive && location.hash) {
      document
        .getElementById(decodeURIComponent(location.hash.slice(1)))
        ?.scrollIntoView();
    }
  } catch (err) {
    if (ctx.alive) {
      replaceChildren(root, errorView(ctx, err));
    }
  } finally {
    if (ctx.alive) {
      root.setAttribute('aria-busy', 'false');
    }
  }
}

document.addEventListener('click', event => {
  const target =
    event.target instanceof Element
      ? event.target.closest('a[data-nav]')
      : null;
  if (
    !(target instanceof HTMLAnchorElement) ||
    !target.hasAttribute('href') ||
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  ) {
    return;
  }
  event.preventDefault();
  history.pushState(null, '', target.href);
  window.scrollTo(0, 0);
  void show();
});

// popstate also fires for #anchor jumps inside a page: only a new path or query is a new page
window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== shown) {
    void show();
  }
});
void show();
