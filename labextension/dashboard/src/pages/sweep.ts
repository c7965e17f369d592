/**
 * A sweep's page (`{base}/{entity}/{project}/sweeps/{id}`): its state and progress, the best run,
 * parallel coordinates of the parameters against the metric, and the trials table with links to
 * the runs; refreshed every 5 s while the sweep runs. The project page lists its sweeps.
 */
import { axisLabels, rampColor } from '../hparams.js';
import { el, replaceChildren, svg } from '../dom.js';
import { formatValue } from '../format.js';
import { Poller } from '../live.js';
import {
  SweepDetail,
  fetchSweep,
  fetchSweeps,
  parallelPlot,
  progressText,
  sweepLive
} from '../sweep.js';
import { PageContext, breadcrumbs, section, stateBadge } from './common.js';

const WIDTH = 960;
const HEIGHT = 280;
const PAD = { top: 24, bottom: 30, left: 60, right: 60 };

type SweepRoute = { entity: string; project: string; sweepId: string };

function parallelSvg(sweep: SweepDetail): SVGSVGElement {
  const plot = parallelPlot(sweep);
  const root = svg('svg', {
    class: 'hparams-svg',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    'data-testid': 'sweep-parallel'
  });
  const n = plot.names.length;
  const x = (i: number): number =>
    PAD.left + (n < 2 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (n - 1));
  const y = (pos: number): number =>
    HEIGHT - PAD.bottom - pos * (HEIGHT - PAD.top - PAD.bottom);
  for (const line of plot.lines) {
    const points = line.positions
      .map((pos, i) => `${x(i).toFixed(1)},${y(pos).toFixed(1)}`)
      .join(' ');
    root.appendChild(
      svg(
        'polyline',
        {
          points,
          stroke: rampColor(line.color),
          class: 'hparams-line',
          'data-run-id': line.runId
        },
        svg('title', {}, line.runId)
      )
    );
  }
  plot.names.forEach((name, i) => {
    root.appendChild(
      svg('line', {
        x1: x(i),
        x2: x(i),
        y1: y(0),
        y2: y(1),
        class: 'hparams-axis'
      })
    );
    root.appendChild(
      svg('text', { x: x(i), y: PAD.top - 10, class: 'hparams-name' }, name)
    );
    for (const tick of axisLabels(plot.axes[i])) {
      root.appendChild(
        svg(
          'text',
          { x: x(i) - 4, y: y(tick.pos), class: 'hparams-tick' },
          tick.label
        )
      );
    }
  });
  root.setAttribute('data-lines', String(plot.lines.length));
  return root;
}

function trialsTable(
  ctx: PageContext,
  route: SweepRoute,
  sweep: SweepDetail
): HTMLElement {
  const metric = sweep.metric?.name ?? 'metric';
  const head = el(
    'tr',
    {},
    ...['#', 'run', 'state', metric, ...sweep.parameters].map(h =>
      el('th', { scope: 'col' }, h)
    )
  );
  const rows = sweep.trials.map(trial =>
    el(
      'tr',
      {
        'data-run-id': trial.run_id,
        class: trial.run_id === sweep.best?.run_id ? 'best' : ''
      },
      el('td', { class: 'num' }, String(trial.number)),
      el(
        'td',
        {},
        trial.url
          ? ctx.link(
              {
                page: 'run',
                entity: route.entity,
                project: route.project,
                runId: trial.run_id
              },
              trial.name ?? trial.run_id
            )
          : trial.run_id
      ),
      el('td', {}, stateBadge(trial.state)),
      el('td', { class: 'num' }, formatValue(trial.value)),
      ...sweep.parameters.map(p =>
        el('td', { class: 'num' }, formatValue(trial.params[p]))
      )
    )
  );
  return el(
    'table',
    { class: 'runs', 'data-testid': 'sweep-trials' },
    el('thead', {}, head),
    el('tbody', {}, ...rows)
  );
}

function bestView(sweep: SweepDetail): HTMLElement {
  if (!sweep.best || !sweep.metric) {
    return el(
      'p',
      { class: 'empty', 'data-testid': 'sweep-best' },
      'None yet.'
    );
  }
  const params = Object.entries(sweep.best.params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(', ');
  return el(
    'p',
    { 'data-testid': 'sweep-best' },
    `Run ${sweep.best.run_id}: ${sweep.metric.name} ${formatValue(sweep.best.value)} (${params})`
  );
}

function sweepBody(
  ctx: PageContext,
  route: SweepRoute,
  sweep: SweepDetail
): HTMLElement {
  const goal = sweep.metric
    ? `, ${sweep.metric.goal} ${sweep.metric.name}`
    : '';
  return el(
    'main',
    { class: 'page' },
    el(
      'h1',
      {},
      `Sweep ${sweep.id}`,
      el('span', { class: 'muted' }, ` ${sweep.method}${goal}`)
    ),
    el(
      'p',
      { 'data-testid': 'sweep-progress' },
      stateBadge(sweep.state.toLowerCase(), 'sweep-state'),
      ` ${progressText(sweep, sweep.trials.length)}`
    ),
    section('best', 'Best run', bestView(sweep)),
    section(
      'parameters',
      'Parameters against the metric',
      el('div', { class: 'hparams' }, parallelSvg(sweep))
    ),
    section('trials', 'Trials', trialsTable(ctx, route, sweep))
  );
}

export async function renderSweep(
  ctx: PageContext,
  route: SweepRoute
): Promise<void> {
  document.title = `sweep ${route.sweepId} · wandb-jupyter`;
  const show = (sweep: SweepDetail): void =>
    replaceChildren(
      ctx.root,
      breadcrumbs(ctx, route.entity, route.project),
      sweepBody(ctx, route, sweep)
    );
  const load = (): Promise<SweepDetail> =>
    fetchSweep(ctx.api, route.entity, route.project, route.sweepId);
  const first = await load();
  if (!ctx.alive) {
    return;
  }
  show(first);
  if (sweepLive(first)) {
    const poller = new Poller(async () => {
      const fresh = await load();
      if (!ctx.alive) {
        return false;
      }
      show(fresh);
      return sweepLive(fresh);
    }, 5000);
    poller.start();
    ctx.onDispose(() => poller.stop());
  }
}

/** The project page's list of sweeps (nothing when the project has none). */
export function sweepsList(
  ctx: PageContext,
  entity: string,
  project: string
): HTMLElement {
  const box = el('section', { class: 'section', id: 'sweeps', hidden: true });
  void fetchSweeps(ctx.api, entity, project)
    .then(({ sweeps }) => {
      if (!ctx.alive || !sweeps.length) {
        return;
      }
      const items = sweeps.map(sweep =>
        el(
          'li',
          { 'data-sweep-id': sweep.id },
          ctx.link(
            { page: 'sweep', entity, project, sweepId: sweep.id },
            `Sweep ${sweep.id}`
          ),
          ` ${sweep.method}, ${sweep.state.toLowerCase()}: ${progressText(sweep, sweep.trial_count)}`
        )
      );
      replaceChildren(
        box,
        el('h2', {}, 'Sweeps'),
        el('ul', { 'data-testid': 'sweeps' }, ...items)
      );
      box.hidden = false;
    })
    .catch(() => undefined); // an older server without sweeps: the project page stays as it was
  return box;
}
