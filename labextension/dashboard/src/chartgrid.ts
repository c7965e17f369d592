/**
 * A responsive grid of line charts, one per metric, kept across live updates: charts that
 * exist are redrawn in place, new metrics get new charts, and a filter box hides the rest.
 */
import { LineChart } from './chartview.js';
import { el, replaceChildren } from './dom.js';
import type { ChartSeries } from './palette.js';
import type { AxisKind } from './ticks.js';

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

export class ChartGrid {
  readonly element: HTMLElement;
  private readonly charts = new Map<string, LineChart>();
  private filter = '';

  constructor(private readonly emptyText: string) {
    this.element = el('div', { class: 'chart-grid' });
  }

  /** Series of each metric; metrics in natural order ("loss_2" before "loss_10"). */
  update(
    byMetric: ReadonlyMap<string, readonly ChartSeries[]>,
    xKind: AxisKind
  ): void {
    const metrics = [...byMetric.keys()].sort(naturalOrder);
    for (const [metric, chart] of this.charts) {
      if (!byMetric.has(metric)) {
        chart.dispose();
        this.charts.delete(metric);
      }
    }
    const ordered = metrics.map(metric => {
      let chart = this.charts.get(metric);
      if (!chart) {
        chart = new LineChart(metric);
        this.charts.set(metric, chart);
      }
      return chart;
    });
    if (!ordered.length) {
      replaceChildren(
        this.element,
        el('p', { class: 'empty' }, this.emptyText)
      );
      return;
    }
    // (re)attach in order first, so each chart measures its real width before drawing
    const current = [...this.element.children];
    if (
      current.length !== ordered.length ||
      ordered.some((chart, i) => current[i] !== chart.element)
    ) {
      replaceChildren(this.element, ...ordered.map(chart => chart.element));
    }
    ordered.forEach(chart =>
      chart.update(byMetric.get(chart.metric) ?? [], xKind)
    );
    this.applyFilter();
  }

  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    this.applyFilter();
  }

  private applyFilter(): void {
    for (const [metric, chart] of this.charts) {
      chart.element.hidden =
        this.filter !== '' && !metric.toLowerCase().includes(this.filter);
    }
  }

  dispose(): void {
    for (const chart of this.charts.values()) {
      chart.dispose();
    }
    this.charts.clear();
  }
}

/** The x axes a history chart can use (history keys the server indexes by). */
export const X_AXES: readonly {
  readonly key: string;
  readonly label: string;
}[] = [
  { key: '_step', label: 'Step' },
  { key: '_runtime', label: 'Relative time' },
  { key: '_timestamp', label: 'Wall time' }
];

const X_STORAGE_KEY = 'wandb-dashboard:x-axis';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The x axis chosen last time (remembered across pages), default step. */
export function rememberedXAxis(): string {
  const saved = storage()?.getItem(X_STORAGE_KEY) ?? '';
  return X_AXES.some(axis => axis.key === saved) ? saved : '_step';
}

/** A labelled <select> of X_AXES that remembers the choice and reports it. */
export function xAxisSelect(
  current: string,
  onChange: (key: string) => void
): HTMLElement {
  const select = el(
    'select',
    { 'data-testid': 'x-axis' },
    ...X_AXES.map(axis =>
      el(
        'option',
        { value: axis.key, selected: axis.key === current },
        axis.label
      )
    )
  );
  select.addEventListener('change', () => {
    try {
      storage()?.setItem(X_STORAGE_KEY, select.value);
    } catch {
      // storage disabled: the choice lasts for this page
    }
    onChange(select.value);
  });
  return el('label', { class: 'control' }, 'X axis ', select);
}

/** A search box that filters a grid's charts by metric name. */
export function chartFilter(grid: ChartGrid): HTMLElement {
  const input = el('input', {
    type: 'search',
    placeholder: 'Filter charts',
    'aria-label': 'Filter charts'
  });
  input.addEventListener('input', () => grid.setFilter(input.value));
  return input;
}
