/**
 * A grid of line charts, one per metric, in collapsible sections named by the metrics'
 * `/` prefixes ("train/loss" goes to "train"), kept across live updates: charts that exist
 * are redrawn in place, new metrics get new charts, a regex filter hides the rest. A drag
 * zoom on one chart zooms its whole section; smoothing and log scales apply to all charts.
 */
import { axisKindFor } from './chart.js';
import { ChartOptions, DEFAULT_CHART_OPTIONS, LineChart } from './chartview.js';
import { el, replaceChildren } from './dom.js';
import type { ChartSeries } from './palette.js';
import { SmoothingMode } from './smoothing.js';
import type { AxisKind } from './ticks.js';

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** The section of a metric: the part before its first "/", or "" (the top section). */
export function sectionOf(metric: string): string {
  const at = metric.indexOf('/');
  return at > 0 ? metric.slice(0, at) : '';
}

/**
 * Which metrics a chart filter keeps: a case-insensitive regular expression, or a plain
 * substring when the text is not a valid expression (so typing "loss(" never errors).
 */
export function chartMatcher(text: string): (metric: string) => boolean {
  const query = text.trim();
  if (!query) {
    return () => true;
  }
  try {
    const pattern = new RegExp(query, 'i');
    return metric => pattern.test(metric);
  } catch {
    const lower = query.toLowerCase();
    return metric => metric.toLowerCase().includes(lower);
  }
}

interface Section {
  readonly name: string;
  readonly element: HTMLDetailsElement;
  readonly count: HTMLElement;
  readonly body: HTMLElement;
  readonly charts: LineChart[];
  zoom: readonly [number, number] | null;
}

export class ChartGrid {
  readonly element: HTMLElement;
  private readonly charts = new Map<string, LineChart>();
  private readonly sections = new Map<string, Section>();
  private matcher: (metric: string) => boolean = () => true;
  private options: ChartOptions;
  private lastData: {
    byMetric: ReadonlyMap<string, readonly ChartSeries[]>;
    xKind: AxisKind;
    xByMetric?: ReadonlyMap<string, string>;
  } | null = null;
  private xSignature = '';

  constructor(
    private readonly emptyText: string,
    options: Partial<ChartOptions> = {},
    /** Sections from "/" prefixes (off: one section, as for system metrics). */
    private readonly bySection = true
  ) {
    this.options = { ...DEFAULT_CHART_OPTIONS, ...options };
    this.element = el('div', { class: 'chart-sections' });
  }

  get chartOptions(): ChartOptions {
    return this.options;
  }

  /**
   * Series of each metric; metrics in natural order ("loss_2" before "loss_10"). `xByMetric`
   * names the x key of metrics plotted against another than the grid's x (define_metric).
   */
  update(
    byMetric: ReadonlyMap<string, readonly ChartSeries[]>,
    xKind: AxisKind,
    xByMetric?: ReadonlyMap<string, string>,
    xKey?: string
  ): void {
    if (xKey) {
      this.options = { ...this.options, xLabel: xKey };
    }
    this.lastData = { byMetric, xKind, xByMetric };
    const signature = `${xKind}|${this.options.xLabel}|${[...(xByMetric ?? [])].join(';')}`;
    if (signature !== this.xSignature) {
      // another x axis: zoom ranges of the old one mean nothing
      this.xSignature = signature;
      for (const section of this.sections.values()) {
        section.zoom = null;
      }
      for (const chart of this.charts.values()) {
        chart.setXRange(null);
      }
    }
    const metrics = [...byMetric.keys()].sort(naturalOrder);
    for (const [metric, chart] of this.charts) {
      if (!byMetric.has(metric)) {
        chart.dispose();
        this.charts.delete(metric);
      }
    }
    if (!metrics.length) {
      this.sections.clear();
      replaceChildren(
        this.element,
        el('p', { class: 'empty' }, this.emptyText)
      );
      return;
    }
    const sectionFor = (metric: string): string =>
      this.bySection ? sectionOf(metric) : '';
    const names = [...new Set(metrics.map(sectionFor))].sort((a, b) =>
      a === '' ? -1 : b === '' ? 1 : naturalOrder(a, b)
    );
    for (const name of [...this.sections.keys()]) {
      if (!names.includes(name)) {
        this.sections.delete(name);
      }
    }
    const sections = names.map(name => this.section(name));
    for (const section of sections) {
      section.charts.length = 0;
    }
    for (const metric of metrics) {
      const section = this.section(sectionFor(metric));
      let chart = this.charts.get(metric);
      if (!chart) {
        chart = new LineChart(metric);
        if (section.zoom) {
          chart.setXRange(section.zoom);
        }
        this.charts.set(metric, chart);
      }
      chart.onZoom = range => this.zoomSection(section, range);
      section.charts.push(chart);
    }
    // (re)attach in order first, so each chart measures its real width before drawing
    this.attach(
      this.element,
      sections.map(s => s.element)
    );
    for (const section of sections) {
      this.attach(
        section.body,
        section.charts.map(c => c.element)
      );
      section.count.textContent = ` ${section.charts.length}`;
    }
    for (const chart of this.charts.values()) {
      const x = xByMetric?.get(chart.metric);
      chart.update(
        byMetric.get(chart.metric) ?? [],
        x ? axisKindFor(x) : xKind,
        x ? { ...this.options, xLabel: x } : this.options
      );
    }
    this.applyFilter();
  }

  private attach(parent: HTMLElement, children: HTMLElement[]): void {
    const current = [...parent.children];
    if (
      current.length !== children.length ||
      children.some((child, i) => current[i] !== child)
    ) {
      replaceChildren(parent, ...children);
    }
  }

  private section(name: string): Section {
    let section = this.sections.get(name);
    if (!section) {
      const count = el('span', { class: 'muted' });
      const body = el('div', { class: 'chart-grid' });
      const element = el(
        'details',
        {
          class: 'chart-section',
          open: true,
          'data-testid': 'chart-section',
          'data-section': name
        },
        el('summary', {}, name || 'Charts', count),
        body
      );
      section = { name, element, count, body, charts: [], zoom: null };
      this.sections.set(name, section);
    }
    return section;
  }

  private zoomSection(
    section: Section,
    range: readonly [number, number] | null
  ): void {
    section.zoom = range;
    for (const chart of section.charts) {
      chart.setXRange(range);
    }
  }

  /** Change how all charts are drawn (smoothing, log scales) and redraw them. */
  setOptions(options: Partial<ChartOptions>): void {
    this.options = { ...this.options, ...options };
    if (this.lastData) {
      const { byMetric, xKind, xByMetric } = this.lastData;
      this.update(byMetric, xKind, xByMetric);
    }
  }

  setFilter(text: string): void {
    this.matcher = chartMatcher(text);
    this.applyFilter();
  }

  private applyFilter(): void {
    for (const section of this.sections.values()) {
      let shown = 0;
      for (const chart of section.charts) {
        chart.element.hidden = !this.matcher(chart.metric);
        shown += chart.element.hidden ? 0 : 1;
      }
      section.element.hidden = shown === 0;
    }
  }

  dispose(): void {
    for (const chart of this.charts.values()) {
      chart.dispose();
    }
    this.charts.clear();
  }
}

/** The x axes every history has (history keys the server indexes by). */
export const X_AXES: readonly {
  readonly key: string;
  readonly label: string;
}[] = [
  { key: 'auto', label: 'Default' },
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

/**
 * The x axis chosen last time (remembered across pages); "auto" (what define_metric chose,
 * else the step) by default. A metric name is kept: pages offer it when the run logs it.
 */
export function rememberedXAxis(): string {
  return storage()?.getItem(X_STORAGE_KEY) || 'auto';
}

/** A labelled <select> of X_AXES and the logged `metrics`, remembering the choice. */
export function xAxisSelect(
  current: string,
  onChange: (key: string) => void,
  metrics: readonly string[] = []
): HTMLElement {
  const fixed = X_AXES.map(axis => axis.key);
  const others = metrics.filter(m => !fixed.includes(m));
  const select = el(
    'select',
    { 'data-testid': 'x-axis' },
    ...X_AXES.map(axis =>
      el(
        'option',
        { value: axis.key, selected: axis.key === current },
        axis.label
      )
    ),
    others.length
      ? el(
          'optgroup',
          { label: 'Logged metrics' },
          ...others.map(metric =>
            el(
              'option',
              { value: metric, selected: metric === current },
              metric
            )
          )
        )
      : null
  );
  if (select.value !== current) {
    select.value = 'auto';
  }
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

/** A search box that filters a grid's charts by a regular expression on metric names. */
export function chartFilter(grid: ChartGrid): HTMLElement {
  const input = el('input', {
    type: 'search',
    placeholder: 'Filter charts (regex)',
    'aria-label': 'Filter charts',
    'data-testid': 'chart-filter'
  });
  input.addEventListener('input', () => grid.setFilter(input.value));
  return input;
}

/** Smoothing (none, EMA, running average, with its amount) and log scales for a grid. */
export function chartControls(grid: ChartGrid): HTMLElement {
  const mode = el(
    'select',
    { 'data-testid': 'smoothing' },
    el('option', { value: 'none' }, 'No smoothing'),
    el('option', { value: 'ema' }, 'EMA'),
    el('option', { value: 'average' }, 'Running average')
  );
  const amount = el('input', {
    type: 'range',
    min: 0,
    max: 0.99,
    step: 0.01,
    value: 0.6,
    'aria-label': 'Smoothing amount',
    'data-testid': 'smoothing-amount',
    hidden: true
  });
  const shown = el('span', { class: 'muted' });
  const apply = (): void => {
    const kind = mode.value as SmoothingMode;
    amount.hidden = kind === 'none';
    const value = Number(amount.value);
    shown.textContent = kind === 'none' ? '' : String(value);
    grid.setOptions({ smoothing: { mode: kind, amount: value } });
  };
  mode.addEventListener('change', () => {
    // a window in points for the running average, a weight below 1 for the EMA
    if (mode.value === 'average') {
      amount.setAttribute('min', '1');
      amount.setAttribute('max', '100');
      amount.setAttribute('step', '1');
      amount.value = '10';
    } else {
      amount.setAttribute('min', '0');
      amount.setAttribute('max', '0.99');
      amount.setAttribute('step', '0.01');
      amount.value = '0.6';
    }
    apply();
  });
  amount.addEventListener('input', apply);
  const logBox = (axis: 'x' | 'y'): HTMLElement => {
    const box = el('input', { type: 'checkbox', 'data-testid': `log-${axis}` });
    box.addEventListener('change', () =>
      grid.setOptions({
        scales: {
          ...grid.chartOptions.scales,
          [axis === 'x' ? 'xLog' : 'yLog']: box.checked
        }
      })
    );
    return el('label', { class: 'check' }, box, `Log ${axis}`);
  };
  return el(
    'span',
    { class: 'chart-controls' },
    el('label', { class: 'control' }, 'Smoothing ', mode),
    amount,
    shown,
    logBox('x'),
    logBox('y')
  );
}
