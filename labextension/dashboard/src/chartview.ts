/**
 * A line chart card drawn as inline SVG from chart.ts's layout: axes with ticks, one
 * polyline per series (a faint raw line under a smoothed one when smoothing is on), bands
 * for groups, a legend, a hover tooltip with the nearest points' values, zoom by dragging
 * over the plot (double-click resets; the grid shares the range across a section), a
 * full-screen view and downloads (PNG, SVG, CSV). Charts redraw at their real width when
 * their card is resized.
 */
import {
  AxisScales,
  ChartLayout,
  XY,
  invertX,
  layoutChart,
  nearestIndex,
  pixelX,
  pixelY,
  seriesCsv
} from './chart.js';
import { el, replaceChildren, svg } from './dom.js';
import { formatDate, formatDuration, formatNumber } from './format.js';
import type { ChartSeries } from './palette.js';
import { NO_SMOOTHING, Smoothing, smooth } from './smoothing.js';
import type { AxisKind } from './ticks.js';

const HEIGHT = 220;

/** How every chart of a grid is drawn; the grid owns it and hands it to its charts. */
export interface ChartOptions {
  readonly smoothing: Smoothing;
  readonly scales: AxisScales;
  /** Show the legend (and series names in tooltips) even for one series (comparisons). */
  readonly alwaysLegend: boolean;
  /** The x axis' name, for CSV headers. */
  readonly xLabel: string;
}

export const DEFAULT_CHART_OPTIONS: ChartOptions = {
  smoothing: NO_SMOOTHING,
  scales: {},
  alwaysLegend: false,
  xLabel: '_step'
};

function formatX(kind: AxisKind, x: number, xLabel: string): string {
  switch (kind) {
    case 'duration':
      return `Runtime ${formatDuration(x)}`;
    case 'time':
      return formatDate(x, true);
    case 'integer':
      return `Step ${formatNumber(x)}`;
    default:
      return `${xLabel} ${formatNumber(x)}`;
  }
}

/** Start a download of `data` named `name` (blob URLs: no CSP source is needed to save). */
export function download(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const link = el('a', { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a metric name ("val/acc" -> "val_acc"). */
export function fileStem(metric: string): string {
  return (
    metric.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'chart'
  );
}

// Exported SVGs carry their own look (the page's stylesheet does not travel with them).
const EXPORT_STYLE = `
text { font: 11px sans-serif; fill: #555; }
.tick-y { text-anchor: end; dominant-baseline: middle; }
.chart-axes line { stroke: #e5e5e5; }
.chart-axes line.axis, .chart-axes line.tick-mark { stroke: #bbb; }
.chart-line { fill: none; stroke-width: 1.5; }
.chart-line.raw { stroke-opacity: 0.25; }
.chart-band { fill-opacity: 0.15; stroke: none; }
.chart-hover, .chart-selection { display: none; }
`;

const charts = new WeakMap<Element, LineChart>();
const resizer =
  typeof ResizeObserver === 'undefined'
    ? null
    : new ResizeObserver(entries => {
        for (const entry of entries) {
          charts.get(entry.target)?.resized();
        }
      });
let clipIds = 0;

export class LineChart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tooltip: HTMLElement;
  private series: readonly ChartSeries[] = [];
  /** What is drawn: per series its smoothed values (or the raw ones). */
  private shown: readonly ChartSeries[] = [];
  private xKind: AxisKind = 'integer';
  private options: ChartOptions = DEFAULT_CHART_OPTIONS;
  private xRange: readonly [number, number] | null = null;
  private layout: ChartLayout | null = null;
  private hover: SVGGElement | null = null;
  private drawnWidth = 0;
  private dragFrom: number | null = null;
  private readonly clipId = `chart-clip-${++clipIds}`;
  /** The pointer over the chart, so a live redraw keeps its tooltip. */
  private lastMove: MouseEvent | null = null;
  /** Called with the x range a drag selected (null: reset by double-click). */
  onZoom: (range: readonly [number, number] | null) => void = range =>
    this.setXRange(range);

  constructor(
    readonly metric: string,
    title: string = metric
  ) {
    this.body = el('div', { class: 'chart-body' });
    this.legend = el('div', { class: 'chart-legend' });
    this.tooltip = el('div', { class: 'chart-tooltip', hidden: true });
    const full = el(
      'button',
      {
        type: 'button',
        class: 'chart-button',
        title: 'Full screen (Esc closes)',
        'aria-label': `Full screen ${title}`,
        'data-testid': 'fullscreen'
      },
      '⤢'
    );
    full.addEventListener('click', () => this.toggleFullScreen());
    this.element = el(
      'div',
      {
        class: 'chart',
        'data-testid': 'chart',
        'data-metric': metric,
        'data-points': 0
      },
      el(
        'div',
        { class: 'chart-head' },
        el('div', { class: 'chart-title', title }, title),
        this.menu(),
        full
      ),
      this.body,
      this.legend,
      this.tooltip
    );
    this.body.addEventListener('mousemove', event => {
      this.lastMove = event;
      this.onMove(event);
    });
    this.body.addEventListener('mouseleave', () => {
      this.lastMove = null;
      this.hideHover();
    });
    this.body.addEventListener('mousedown', event => this.startDrag(event));
    this.body.addEventListener('dblclick', () => this.onZoom(null));
    this.element.addEventListener('keydown', event => {
      if (
        event.key === 'Escape' &&
        this.element.classList.contains('fullscreen')
      ) {
        this.toggleFullScreen();
      }
    });
    charts.set(this.body, this);
    resizer?.observe(this.body);
  }

  /** New data (or x axis, or options): redraw. */
  update(
    series: readonly ChartSeries[],
    xKind: AxisKind,
    options: ChartOptions = this.options
  ): void {
    this.series = series;
    this.xKind = xKind;
    this.options = options;
    this.element.setAttribute('data-x', options.xLabel);
    this.draw();
    this.drawLegend();
  }

  /** Zoom to an x range in data units (null: all the data). */
  setXRange(range: readonly [number, number] | null): void {
    this.xRange = range;
    if (range) {
      this.element.setAttribute('data-zoom', `${range[0]},${range[1]}`);
    } else {
      this.element.removeAttribute('data-zoom');
    }
    this.draw();
  }

  resized(): void {
    if (
      this.body.clientWidth &&
      Math.abs(this.body.clientWidth - this.drawnWidth) > 2
    ) {
      this.draw();
    }
  }

  private menu(): HTMLElement {
    const item = (label: string, testid: string, action: () => void) => {
      const button = el(
        'button',
        { type: 'button', 'data-testid': testid },
        label
      );
      button.addEventListener('click', () => {
        (button.closest('details') as HTMLDetailsElement).open = false;
        action();
      });
      return button;
    };
    return el(
      'details',
      { class: 'chart-menu', 'data-testid': 'chart-menu' },
      el('summary', { title: 'Download', 'aria-label': 'Download' }, '⤓'),
      el(
        'div',
        { class: 'chart-menu-body' },
        item('PNG', 'download-png', () => void this.downloadPng()),
        item('SVG', 'download-svg', () =>
          download(
            `${fileStem(this.metric)}.svg`,
            new Blob([this.svgText()], { type: 'image/svg+xml' })
          )
        ),
        item('CSV', 'download-csv', () =>
          download(
            `${fileStem(this.metric)}.csv`,
            new Blob([seriesCsv(this.options.xLabel, this.series)], {
              type: 'text/csv'
            })
          )
        )
      )
    );
  }

  /** The chart as a standalone SVG document (own styles, white background). */
  svgText(): string {
    const root = this.body.querySelector('svg');
    if (!root) {
      return '';
    }
    const copy = root.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    const background = svg('rect', {
      width: '100%',
      height: '100%',
      fill: '#ffffff'
    });
    const title = svg('text', { x: 8, y: 12 }, this.metric);
    copy.insertBefore(svg('style', {}, EXPORT_STYLE), copy.firstChild);
    copy.insertBefore(background, copy.children[1]);
    copy.appendChild(title);
    return new XMLSerializer().serializeToString(copy);
  }

  private async downloadPng(): Promise<void> {
    const text = this.svgText();
    const layout = this.layout;
    if (!text || !layout) {
      return;
    }
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
    await image.decode();
    const ratio = 2;
    const canvas = el('canvas', {
      width: layout.width * ratio,
      height: layout.height * ratio
    });
    const context = canvas.getContext('2d');
    if (!context) {
      return;
    }
    context.scale(ratio, ratio);
    context.drawImage(image, 0, 0, layout.width, layout.height);
    const blob = await new Promise<Blob | null>(resolve =>
      canvas.toBlob(resolve, 'image/png')
    );
    if (blob) {
      download(`${fileStem(this.metric)}.png`, blob);
    }
  }

  private toggleFullScreen(): void {
    if (this.element.classList.toggle('fullscreen')) {
      this.element.tabIndex = -1;
      this.element.focus();
    } else {
      this.element.removeAttribute('tabindex');
    }
    this.draw();
  }

  private height(): number {
    return this.element.classList.contains('fullscreen')
      ? Math.max(HEIGHT, window.innerHeight - 140)
      : HEIGHT;
  }

  /** The lines to draw: raw ones (faint when smoothed) and the smoothed ones. */
  private drawnSeries(): { xy: XY; color: string; raw: boolean }[] {
    const out: { xy: XY; color: string; raw: boolean }[] = [];
    const shown: ChartSeries[] = [];
    for (const s of this.series) {
      const smoothed = smooth(s.y, this.options.smoothing);
      if (smoothed) {
        out.push({ xy: { x: s.x, y: s.y }, color: s.color, raw: true });
        out.push({ xy: { ...s, y: smoothed }, color: s.color, raw: false });
        shown.push({ ...s, y: smoothed });
      } else {
        out.push({ xy: s, color: s.color, raw: false });
        shown.push(s);
      }
    }
    this.shown = shown;
    return out;
  }

  private draw(): void {
    const width = Math.max(200, this.body.clientWidth || 480);
    const height = this.height();
    this.drawnWidth = width;
    const drawn = this.drawnSeries();
    const layout = layoutChart({
      width,
      height,
      series: drawn.map(d => d.xy),
      xKind: this.options.scales.xLog ? 'number' : this.xKind,
      xRange: this.xRange,
      scales: this.options.scales,
      yTickCount: Math.max(5, Math.floor(height / 60))
    });
    this.layout = layout;
    const points = layout.lines.reduce(
      (sum, line, i) => sum + (drawn[i].raw ? 0 : line.count),
      0
    );
    this.element.setAttribute('data-points', String(points));
    const { left, top, right, bottom } = layout.plot;
    const root = svg('svg', {
      class: 'chart-svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': this.metric
    });
    const clip = svg(
      'clipPath',
      { id: this.clipId },
      svg('rect', {
        x: left,
        y: top - 2,
        width: right - left,
        height: bottom - top + 4
      })
    );
    root.appendChild(svg('defs', {}, clip));
    const grid = svg('g', { class: 'chart-axes' });
    for (const tick of layout.yTicks) {
      grid.appendChild(
        svg('line', { x1: left, x2: right, y1: tick.pos, y2: tick.pos })
      );
      grid.appendChild(
        svg('text', { x: left - 6, y: tick.pos, class: 'tick-y' }, tick.label)
      );
    }
    for (const tick of layout.xTicks) {
      grid.appendChild(
        svg('line', {
          x1: tick.pos,
          x2: tick.pos,
          y1: bottom,
          y2: bottom + 4,
          class: 'tick-mark'
        })
      );
      grid.appendChild(
        svg(
          'text',
          {
            x: tick.pos,
            y: bottom + 16,
            class: 'tick-x',
            'text-anchor': tick.anchor ?? 'middle'
          },
          tick.label
        )
      );
    }
    grid.appendChild(
      svg('line', {
        x1: left,
        x2: right,
        y1: bottom,
        y2: bottom,
        class: 'axis'
      })
    );
    root.appendChild(grid);
    if (!points) {
      root.appendChild(
        svg(
          'text',
          {
            x: (left + right) / 2,
            y: (top + bottom) / 2,
            class: 'chart-empty',
            'text-anchor': 'middle'
          },
          'no data'
        )
      );
    }
    const lines = svg('g', {
      class: 'chart-lines',
      'clip-path': `url(#${this.clipId})`
    });
    layout.lines.forEach((line, i) => {
      const { color, raw } = drawn[i];
      if (line.band) {
        lines.appendChild(
          svg('polygon', {
            points: line.band,
            fill: color,
            class: 'chart-band'
          })
        );
      }
      if (line.dot) {
        lines.appendChild(
          svg('circle', {
            cx: line.dot[0],
            cy: line.dot[1],
            r: 3,
            fill: color,
            class: 'chart-dot'
          })
        );
      } else if (line.count) {
        lines.appendChild(
          svg('polyline', {
            points: line.points,
            stroke: color,
            class: raw ? 'chart-line raw' : 'chart-line'
          })
        );
      }
    });
    root.appendChild(lines);
    this.hover = svg('g', { class: 'chart-hover' });
    root.appendChild(this.hover);
    replaceChildren(this.body, root);
    this.tooltip.hidden = true;
    if (this.lastMove) {
      this.onMove(this.lastMove);
    }
  }

  private drawLegend(): void {
    this.legend.hidden = this.series.length < 2 && !this.options.alwaysLegend;
    replaceChildren(
      this.legend,
      ...this.series.map(s => {
        const swatch = el('span', { class: 'swatch' });
        swatch.style.background = s.color;
        return el(
          'span',
          { class: 'legend-item', title: s.label },
          swatch,
          s.label
        );
      })
    );
  }

  private hideHover(): void {
    this.tooltip.hidden = true;
    if (this.hover) {
      replaceChildren(this.hover);
    }
  }

  /** The pointer's x in chart pixels. */
  private pointerX(event: MouseEvent): number | null {
    const layout = this.layout;
    const svgEl = this.body.firstElementChild;
    if (!layout || !svgEl) {
      return null;
    }
    const rect = svgEl.getBoundingClientRect();
    return (
      ((event.clientX - rect.left) * layout.width) /
      (rect.width || layout.width)
    );
  }

  private startDrag(event: MouseEvent): void {
    const layout = this.layout;
    const px = this.pointerX(event);
    if (
      event.button !== 0 ||
      !layout ||
      px === null ||
      px < layout.plot.left ||
      px > layout.plot.right
    ) {
      return;
    }
    event.preventDefault();
    this.dragFrom = px;
    const clamp = (v: number): number =>
      Math.min(Math.max(v, layout.plot.left), layout.plot.right);
    const move = (e: MouseEvent): void => {
      const to = this.pointerX(e);
      if (this.dragFrom === null || to === null || !this.hover) {
        return;
      }
      const a = clamp(Math.min(this.dragFrom, to));
      const b = clamp(Math.max(this.dragFrom, to));
      this.hover.querySelector('.chart-selection')?.remove();
      this.hover.appendChild(
        svg('rect', {
          class: 'chart-selection',
          x: a,
          y: layout.plot.top,
          width: b - a,
          height: layout.plot.bottom - layout.plot.top
        })
      );
    };
    const up = (e: MouseEvent): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      const from = this.dragFrom;
      this.dragFrom = null;
      const to = this.pointerX(e);
      this.hover?.querySelector('.chart-selection')?.remove();
      if (from === null || to === null || Math.abs(to - from) < 5) {
        return;
      }
      const a = invertX(layout, clamp(Math.min(from, to)));
      const b = invertX(layout, clamp(Math.max(from, to)));
      if (b > a) {
        this.onZoom([a, b]);
      }
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  private onMove(event: MouseEvent): void {
    const layout = this.layout;
    const svgEl = this.body.firstElementChild;
    const px = this.pointerX(event);
    if (!layout || !svgEl || !this.hover || px === null) {
      return;
    }
    if (this.dragFrom !== null) {
      return;
    }
    if (px < layout.plot.left - 4 || px > layout.plot.right + 4) {
      this.hideHover();
      return;
    }
    const x = invertX(layout, px);
    const hits = this.shown
      .map((s, i) => ({ s, i, at: nearestIndex(s.x, x) }))
      .filter(hit => hit.at >= 0);
    if (!hits.length) {
      this.hideHover();
      return;
    }
    // the x shown is the one closest to the pointer among the series' nearest points
    const best = hits.reduce((a, b) =>
      Math.abs(b.s.x[b.at] - x) < Math.abs(a.s.x[a.at] - x) ? b : a
    );
    const bestX = best.s.x[best.at];
    const sx = (v: number): number => pixelX(layout, v);
    const sy = (v: number): number => pixelY(layout, v);
    replaceChildren(
      this.hover,
      svg('line', {
        x1: sx(bestX),
        x2: sx(bestX),
        y1: layout.plot.top,
        y2: layout.plot.bottom,
        class: 'hover-line'
      }),
      ...hits
        .filter(hit => Number.isFinite(sy(hit.s.y[hit.at])))
        .map(hit =>
          svg('circle', {
            cx: sx(hit.s.x[hit.at]),
            cy: sy(hit.s.y[hit.at]),
            r: 3.5,
            fill: hit.s.color,
            class: 'hover-dot'
          })
        )
    );
    const named = this.series.length > 1 || this.options.alwaysLegend;
    const rows = hits.map(hit => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = hit.s.color;
      const label = named ? `${hit.s.label}: ` : '';
      return el(
        'div',
        {},
        swatch,
        label,
        el('b', {}, formatNumber(hit.s.y[hit.at]))
      );
    });
    replaceChildren(
      this.tooltip,
      el(
        'div',
        { class: 'tooltip-x' },
        formatX(this.xKind, bestX, this.options.xLabel)
      ),
      ...rows
    );
    this.tooltip.hidden = false;
    const rect = svgEl.getBoundingClientRect();
    const scaleX = rect.width / layout.width;
    const bodyRect = this.body.getBoundingClientRect();
    const cardRect = this.element.getBoundingClientRect();
    const anchor = bodyRect.left - cardRect.left + sx(bestX) * scaleX;
    const flip = anchor > cardRect.width / 2;
    this.tooltip.style.left = flip ? '' : `${anchor + 12}px`;
    this.tooltip.style.right = flip ? `${cardRect.width - anchor + 12}px` : '';
    this.tooltip.style.top = `${bodyRect.top - cardRect.top + 8}px`;
  }

  /** Stop watching the card's size (the page is going away). */
  dispose(): void {
    resizer?.unobserve(this.body);
  }
}
