/**
 * A run's page: header, metric charts, system metrics, notes, summary, config, console
 * output, files and metadata. While the run is "running" it polls every 2 s and redraws in
 * place (charts, header, summary, new output), stopping when the run ends.
 */
import type { RunDetail } from '../api.js';
import { axisKindFor } from '../chart.js';
import {
  ChartGrid,
  chartControls,
  chartFilter,
  rememberedXAxis,
  xAxisSelect
} from '../chartgrid.js';
import { loadHistory } from '../history.js';
import { el, replaceChildren } from '../dom.js';
import { flattenObject, formatDate, formatDuration } from '../format.js';
import { Poller } from '../live.js';
import { renderMarkdown } from '../markdown.js';
import { PALETTE } from '../palette.js';
import { seriesByMetric } from '../series.js';
import {
  PageContext,
  breadcrumbs,
  keyValueTable,
  section,
  stateBadge
} from './common.js';
import { runEditor } from './edit.js';
import { failurePanel } from './failure.js';
import { mediaSection } from './media.js';
import { filesView } from './files.js';
import { OutputView } from './output.js';

type RunRoute = { entity: string; project: string; runId: string };

/** run.alert() notices, newest first (null when there are none). */
function alertsView(run: RunDetail): HTMLElement | null {
  const alerts = run.alerts ?? [];
  if (!alerts.length) {
    return null;
  }
  return el(
    'div',
    { class: 'alerts', 'data-testid': 'alerts' },
    ...[...alerts].reverse().map(alert =>
      el(
        'div',
        {
          class: `alert alert-${alert.level.toLowerCase()}`,
          'data-testid': 'alert',
          'data-level': alert.level
        },
        el('b', {}, alert.title),
        ' ',
        el(
          'span',
          { class: 'muted' },
          `${alert.level} · ${formatDate(alert.at, true)}`
        ),
        el('div', {}, alert.text)
      )
    )
  );
}

function header(run: RunDetail): HTMLElement {
  const facts: [string, string | Node][] = [
    ['Created', formatDate(run.created_at, true)],
    ['Runtime', run.runtime === null ? '' : formatDuration(run.runtime)],
    ['User', run.user ?? ''],
    ['Group', run.group ?? ''],
    ['Job type', run.job_type ?? ''],
    ['Run id', run.id],
    [
      'Exit code',
      run.exit_code === null || run.exit_code === undefined
        ? ''
        : String(run.exit_code)
    ]
  ];
  const dl = el('dl', { class: 'facts' });
  for (const [label, value] of facts) {
    if (value) {
      dl.append(el('div', {}, el('dt', {}, label), el('dd', {}, value)));
    }
  }
  if (run.tags.length) {
    dl.append(
      el(
        'div',
        {},
        el('dt', {}, 'Tags'),
        el('dd', {}, ...run.tags.map(tag => el('span', { class: 'tag' }, tag)))
      )
    );
  }
  return el(
    'div',
    { class: 'run-header' },
    el('h1', {}, run.name, ' ', stateBadge(run.state, 'state')),
    dl,
    alertsView(run)
  );
}

export async function renderRun(
  ctx: PageContext,
  route: RunRoute
): Promise<void> {
  const { entity, project, runId } = route;
  let run = await ctx.api.run(entity, project, runId);
  if (!ctx.alive) {
    return;
  }
  document.title = `${run.name} · ${project} · wandb-jupyter`;

  let xKey = rememberedXAxis();
  const charts = new ChartGrid('No metrics logged yet.');
  const system = new ChartGrid('No system metrics recorded.', {}, false);
  ctx.onDispose(() => {
    charts.dispose();
    system.dispose();
  });
  const loadCharts = async (): Promise<void> => {
    const [history, events] = await Promise.all([
      loadHistory(ctx.api, route, xKey, run.metrics, run.step_metrics ?? {}),
      run.system_metrics.length
        ? ctx.api.events(entity, project, runId)
        : Promise.resolve(null)
    ]);
    if (!ctx.alive) {
      return;
    }
    charts.update(
      seriesByMetric(history.series),
      axisKindFor(history.x),
      history.xByMetric,
      history.x
    );
    if (events) {
      system.update(
        seriesByMetric(events.series, PALETTE[1]),
        'duration',
        undefined,
        '_runtime'
      );
    } else {
      system.update(new Map(), 'duration');
    }
  };

  const headerSlot = el('div', {}, header(run));
  const mediaSlot = el('div', {});
  void mediaSection(ctx, route).then(found => {
    if (found && ctx.alive) {
      replaceChildren(mediaSlot, found);
    }
  });
  const summarySlot = el('div', {}, keyValueTable(run.summary, 'summary'));
  const filesSlot = el('div', {}, filesView(ctx, route, run.files));
  const fileNames = (r: RunDetail): string =>
    r.files
      .map(f => f.name)
      .sort()
      .join('\n');
  const output = new OutputView(ctx, route);
  const notes = run.notes
    ? section(
        'notes',
        'Notes',
        el(
          'div',
          { class: 'markdown notes', 'data-testid': 'notes' },
          renderMarkdown(run.notes)
        )
      )
    : null;
  const anchors = [
    'charts',
    'system',
    ...(notes ? ['notes'] : []),
    'summary',
    'config',
    'output',
    'files',
    'metadata'
  ];
  const titles: Record<string, string> = {
    charts: 'Charts',
    system: 'System',
    notes: 'Notes',
    summary: 'Summary',
    config: 'Config',
    output: 'Output',
    files: 'Files',
    metadata: 'Metadata'
  };
  replaceChildren(
    ctx.root,
    breadcrumbs(ctx, entity, project, { id: run.id, name: run.name }),
    el(
      'main',
      { class: 'page' },
      headerSlot,
      ctx.viewToken ? null : runEditor(ctx, route, run),
      failurePanel(ctx, route, run),
      el(
        'nav',
        { class: 'anchors' },
        ...anchors.map(id => el('a', { href: `#${id}` }, titles[id]))
      ),
      notes,
      section(
        'charts',
        'Charts',
        el(
          'div',
          { class: 'toolbar' },
          xAxisSelect(
            xKey,
            key => {
              xKey = key;
              void loadCharts();
            },
            run.metrics
          ),
          chartControls(charts),
          chartFilter(charts)
        ),
        charts.element
      ),
      mediaSlot,
      section('system', 'System metrics', system.element),
      section('summary', 'Summary', summarySlot),
      section('config', 'Config', keyValueTable(run.config, 'config')),
      section('output', 'Console output', output.element),
      section('files', 'Files', filesSlot),
      section(
        'metadata',
        'Metadata',
        keyValueTable(flattenObject(run.metadata), 'metadata')
      )
    )
  );
  await Promise.all([loadCharts(), output.load()]);

  if (run.state !== 'running') {
    return;
  }
  const poller = new Poller(async () => {
    const before = run;
    run = await ctx.api.run(entity, project, runId);
    if (!ctx.alive) {
      return false;
    }
    replaceChildren(headerSlot, header(run));
    if (fileNames(run) !== fileNames(before)) {
      replaceChildren(filesSlot, filesView(ctx, route, run.files));
    }
    replaceChildren(summarySlot, keyValueTable(run.summary, 'summary'));
    await Promise.all([loadCharts(), output.poll()]);
    return ctx.alive && run.state === 'running';
  });
  poller.start();
  ctx.onDispose(() => poller.stop());
}
