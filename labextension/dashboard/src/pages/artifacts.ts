/**
 * The Artifacts tab (`{base}/{entity}/{project}/artifacts`): every artifact of the project with its versions,
 * aliases, size and lineage; choosing a version shows its metadata, its files (each a download) and the runs
 * that made and used it. `.../runs/{id}/artifacts` lists what one run logged and used.
 */
import {
  ArtifactDetail,
  ArtifactVersion,
  ArtifactsRoute,
  RunLink,
  contentsLabel,
  fetchArtifact,
  fetchArtifacts,
  fetchRunArtifacts,
  lineageLabel,
  versionLabel
} from '../artifacts.js';
import { el, replaceChildren } from '../dom.js';
import { formatBytes, formatDate } from '../format.js';
import {
  PageContext,
  breadcrumbs,
  errorView,
  keyValueTable,
  section
} from './common.js';

type ProjectRoute = { entity: string; project: string };

function runAnchor(
  ctx: PageContext,
  route: ProjectRoute,
  run: RunLink | null
): Node {
  if (!run) {
    return document.createTextNode('—');
  }
  return ctx.link(
    {
      page: 'run',
      entity: route.entity,
      project: route.project,
      runId: run.id
    },
    run.id
  );
}

function versionRow(
  ctx: PageContext,
  route: ProjectRoute,
  version: ArtifactVersion,
  choose: (v: ArtifactVersion) => void
): HTMLElement {
  const open = el(
    'button',
    { type: 'button', class: 'linklike', 'data-testid': 'artifact-version' },
    versionLabel(version)
  );
  open.addEventListener('click', () => choose(version));
  const users = version.used_by.filter((u): u is RunLink => u !== null);
  return el(
    'tr',
    { 'data-artifact': version.name },
    el('td', {}, open),
    el('td', { class: 'num' }, contentsLabel(version)),
    el('td', {}, version.created_at ? formatDate(version.created_at) : '—'),
    el('td', {}, runAnchor(ctx, route, version.created_by)),
    el(
      'td',
      {},
      ...users.flatMap((u, i) =>
        i ? [', ', runAnchor(ctx, route, u)] : [runAnchor(ctx, route, u)]
      )
    )
  );
}

function detailView(
  ctx: PageContext,
  route: ProjectRoute,
  detail: ArtifactDetail
): HTMLElement {
  const files = el(
    'table',
    { class: 'runs', 'data-testid': 'artifact-files' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['file', 'size', 'digest'].map(h => el('th', { scope: 'col' }, h))
      )
    ),
    el(
      'tbody',
      {},
      ...detail.files.map(file =>
        el(
          'tr',
          { 'data-path': file.path },
          el(
            'td',
            {},
            file.url
              ? el(
                  'a',
                  {
                    href: file.url,
                    download: file.path.split('/').pop() ?? file.path
                  },
                  file.path
                )
              : el(
                  'span',
                  { title: file.ref ?? '' },
                  `${file.path} → ${file.ref ?? ''}`
                )
          ),
          el(
            'td',
            { class: 'num' },
            file.size === null ? '—' : formatBytes(file.size)
          ),
          el('td', { class: 'digest' }, file.digest)
        )
      )
    )
  );
  return el(
    'div',
    {
      class: 'artifact-detail',
      'data-testid': 'artifact-detail',
      'data-artifact': detail.name
    },
    el('h3', {}, `${detail.name} (${detail.type})`),
    el(
      'p',
      { 'data-testid': 'artifact-lineage' },
      lineageLabel(detail),
      ' ',
      runAnchor(ctx, route, detail.created_by)
    ),
    detail.description ? el('p', {}, detail.description) : null,
    el('h4', {}, 'Metadata'),
    keyValueTable(detail.metadata ?? {}, 'artifact-metadata'),
    el('h4', {}, 'Files'),
    files
  );
}

export async function renderArtifacts(
  ctx: PageContext,
  route: ArtifactsRoute
): Promise<void> {
  if (route.page === 'run-artifacts') {
    return renderRunArtifacts(ctx, route);
  }
  const answer = await fetchArtifacts(ctx.api, route.entity, route.project);
  if (!ctx.alive) {
    return;
  }
  const detail = el('div', { 'data-testid': 'artifact-detail-slot' });
  const choose = async (version: ArtifactVersion): Promise<void> => {
    const name = version.name.split(':')[0];
    const found = await fetchArtifact(
      ctx.api,
      route.entity,
      route.project,
      name,
      version.version
    );
    if (ctx.alive) {
      replaceChildren(detail, detailView(ctx, route, found));
    }
  };
  const tables = answer.artifacts.map(collection =>
    el(
      'div',
      {
        class: 'artifact',
        'data-testid': 'artifact-collection',
        'data-name': collection.name
      },
      el(
        'h3',
        {},
        `${collection.name} `,
        el('span', { class: 'artifact-type' }, collection.type)
      ),
      el(
        'table',
        { class: 'runs' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['version', 'contents', 'created', 'made by', 'used by'].map(h =>
              el('th', { scope: 'col' }, h)
            )
          )
        ),
        el(
          'tbody',
          {},
          ...collection.versions.map(v =>
            versionRow(ctx, route, v, x => void choose(x))
          )
        )
      )
    )
  );
  replaceChildren(
    ctx.root,
    breadcrumbs(ctx, route.entity, route.project),
    el(
      'main',
      { class: 'page', 'data-testid': 'artifacts-page' },
      section(
        'artifacts',
        'Artifacts',
        tables.length
          ? el('div', {}, ...tables)
          : el(
              'p',
              { class: 'empty' },
              'No artifacts logged in this project yet.'
            )
      ),
      detail
    )
  );
}

async function renderRunArtifacts(
  ctx: PageContext,
  route: { entity: string; project: string; runId: string }
): Promise<void> {
  const answer = await fetchRunArtifacts(
    ctx.api,
    route.entity,
    route.project,
    route.runId
  );
  if (!ctx.alive) {
    return;
  }
  const list = (
    versions: readonly ArtifactVersion[],
    testid: string
  ): HTMLElement =>
    versions.length
      ? el(
          'ul',
          { 'data-testid': testid },
          ...versions.map(v =>
            el(
              'li',
              { 'data-artifact': v.name },
              `${v.name} (${v.type ?? ''}): ${contentsLabel(v)}`
            )
          )
        )
      : el('p', { class: 'empty', 'data-testid': testid }, 'None.');
  replaceChildren(
    ctx.root,
    breadcrumbs(ctx, route.entity, route.project, {
      id: route.runId,
      name: route.runId
    }),
    el(
      'main',
      { class: 'page', 'data-testid': 'run-artifacts-page' },
      section(
        'logged',
        'Logged artifacts',
        list(answer.logged, 'run-artifacts-logged')
      ),
      section('used', 'Used artifacts', list(answer.used, 'run-artifacts-used'))
    )
  );
}

/** Show the tab as the whole page (dashboard.ts calls this before its own routes): busy state and errors too. */
export async function showArtifactsTab(
  ctx: PageContext,
  route: ArtifactsRoute
): Promise<void> {
  ctx.root.setAttribute('aria-busy', 'true');
  try {
    await renderArtifacts(ctx, route);
  } catch (err) {
    if (ctx.alive) {
      replaceChildren(ctx.root, errorView(ctx, err));
    }
  } finally {
    if (ctx.alive) {
      ctx.root.setAttribute('aria-busy', 'false');
    }
  }
}
