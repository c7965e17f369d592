/**
 * Run comparison (`?compare=id1,id2`): one chart per metric with a line per selected run,
 * each run in its own colour, named in the chart's legend. Polls while a run is live.
 */
import type { RunDetail, RunRow } from '../api.js';
import { axisKindFor } from '../chart.js';
import {
  ChartGrid,
  chartControls,
  chartFilter,
  rememberedXAxis,
  xAxisSelect
} from '../chartgrid.js';
import { loadHistory } from '../history.js';
import { el } from '../dom.js';
import { Poller } from '../live.js';
import { compareSeries, groupedSeries, runColor } from '../series.js';
import { GroupBy, groupKey } from '../runtable.js';
import { PageContext, section } from './common.js';

export function compareView(
  ctx: PageContext,
  entity: string,
  project: string,
  ids: readonly string[],
  rows: readonly RunRow[]
): HTMLElement {
  const grid = new ChartGrid('The selected runs have no metrics.', {
    alwaysLegend: true
  });
  ctx.onDispose(() => grid.dispose());
  const status = el('p', { class: 'muted' });
  let xKey = rememberedXAxis();
  let groupBy: GroupBy = 'none';
  const configKeys = [
    ...new Set(rows.flatMap(row => Object.keys(row.config)))
  ].sort();
  const groupSelect = el(
    'select',
    { 'data-testid': 'compare-group' },
    el('option', { value: 'none' }, 'Each run'),
    el('option', { value: 'group' }, 'Group'),
    el('option', { value: 'job_type' }, 'Job type'),
    ...configKeys.map(key => el('option', { value: `config:${key}` }, key))
  );
  groupSelect.addEventListener('change', () => {
    groupBy = groupSelect.value as GroupBy;
    void load();
  });
  const names = new Map(rows.map(row => [row.id, row.name]));
  let states = new Map(rows.map(row => [row.id, row.state]));

  // each run's metrics and define_metric x axes, read once
  const details = new Map<string, Promise<RunDetail | null>>();
  const detail = (id: string): Promise<RunDetail | null> => {
    let found = details.get(id);
    if (!found) {
      found = ctx.api.run(entity, project, id).catch(() => null);
      details.set(id, found);
    }
    return found;
  };
  let xByMetric = new Map<string, string>();
  const load = async (): Promise<void> => {
    const answers = await Promise.all(
      ids.map(async id => {
        const run = await detail(id);
        if (!run) {
          return { id, answer: null };
        }
        return loadHistory(
          ctx.api,
          { entity, project, runId: id },
          xKey,
          run.metrics,
          run.step_metrics ?? {}
        ).then(
          answer => ({ id, answer }),
          () => ({ id, answer: null })
        );
      })
    );
    xByMetric = new Map();
    for (const a of answers) {
      for (const [metric, x] of a.answer?.xByMetric ?? []) {
        xByMetric.set(metric, x);
      }
    }
    if (!ctx.alive) {
      return;
    }
    const missing = answers.filter(a => !a.answer).map(a => a.id);
    status.textContent = missing.length
      ? `Not found: ${missing.join(', ')}`
      : '';
    const byRow = new Map(rows.map(row => [row.id, row]));
    const by = groupBy;
    grid.update(
      by === 'none'
        ? compareSeries(
            answers.map(a => ({
              label: names.get(a.id) ?? a.id,
              series: a.answer?.series ?? {}
            }))
          )
        : groupedSeries(
            answers.map(a => {
              const row = byRow.get(a.id);
              return {
                group: (row && groupKey(row, by)) ?? '(none)',
                series: a.answer?.series ?? {}
              };
            })
          ),
      axisKindFor(xKey === 'auto' ? '_step' : xKey),
      xByMetric,
      xKey === 'auto' ? '_step' : xKey
    );
  };

  const legend = el(
    'div',
    { class: 'chart-legend compare-legend' },
    ...ids.map((id, i) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = runColor(i);
      return el(
        'span',
        { class: 'legend-item' },
        swatch,
        ctx.link(
          { page: 'run', entity, project, runId: id },
          names.get(id) ?? id
        )
      );
    })
  );
  const view = section(
    'compare',
    `Comparing ${ids.length} run${ids.length === 1 ? '' : 's'}`,
    el(
      'div',
      { class: 'toolbar' },
      xAxisSelect(xKey, key => {
        xKey = key;
        void load();
      }),
      el('label', { class: 'control' }, 'Lines ', groupSelect),
      chartControls(grid),
      chartFilter(grid),
      ctx.link(
        { page: 'project', entity, project, compare: [] },
        'Close comparison'
      )
    ),
    legend,
    status,
    grid.element
  );
  view.setAttribute('data-testid', 'compare');
  // draw once attached (charts measure their width), then follow live runs
  queueMicrotask(() => void load());
  const poller = new Poller(async () => {
    if (![...states.values()].some(state => state === 'running')) {
      return false;
    }
    const fresh = await Promise.all(
      ids.map(id => ctx.api.run(entity, project, id).catch(() => null))
    );
    states = new Map(
      fresh.filter((r): r is RunDetail => r !== null).map(r => [r.id, r.state])
    );
    await load();
    return ctx.alive && [...states.values()].some(state => state === 'running');
  });
  poller.start();
  ctx.onDispose(() => poller.stop());
  return view;
}
