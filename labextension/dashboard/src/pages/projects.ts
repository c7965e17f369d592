/** The landing page: every project the viewer can read, most recently used first. */
import { el, replaceChildren } from '../dom.js';
import { formatAgo, formatDate } from '../format.js';
import { PageContext, breadcrumbs } from './common.js';

export async function renderProjects(ctx: PageContext): Promise<void> {
  document.title = 'Projects · wandb-jupyter';
  const { projects } = await ctx.api.projects();
  if (!ctx.alive) {
    return;
  }
  const now = Date.now() / 1000;
  const sorted = [...projects].sort(
    (a, b) => (b.last_run_at ?? 0) - (a.last_run_at ?? 0)
  );
  const body = sorted.length
    ? el(
        'table',
        { class: 'grid', 'data-testid': 'projects' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'Project'),
            el('th', {}, 'Entity'),
            el('th', { class: 'num' }, 'Runs'),
            el('th', {}, 'Last run')
          )
        ),
        el(
          'tbody',
          {},
          ...sorted.map(p =>
            el(
              'tr',
              { 'data-testid': 'project-row' },
              el(
                'td',
                {},
                ctx.link(
                  {
                    page: 'project',
                    entity: p.entity,
                    project: p.project,
                    compare: []
                  },
                  p.project
                )
              ),
              el('td', {}, p.entity),
              el('td', { class: 'num' }, p.runs),
              el(
                'td',
                { title: formatDate(p.last_run_at, true) },
                formatAgo(p.last_run_at, now)
              )
            )
          )
        )
      )
    : el(
        'p',
        { class: 'empty' },
        'No runs yet. Runs logged to this server (or found in the run folders) appear here.'
      );
  replaceChildren(
    ctx.root,
    breadcrumbs(ctx),
    el('main', { class: 'page' }, el('h1', {}, 'Projects'), body)
  );
}
