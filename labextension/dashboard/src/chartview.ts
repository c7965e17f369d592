/**
 * A line chart card drawn as inline SVG from chart.ts's layout: axes with ticks, one
 * polyline per series, a legend for several series and a hover tooltip with the nearest
 * point's value. Charts redraw at their real width when their card is resized.
 */
import { ChartLayout, invertX, layoutChart, nearestIndex } from './chart.js';
import { el, replaceChildren, svg } from './dom.js';
import { formatDate, formatDuration, formatNumber } from './format.js';
import type { ChartSeries } from './palette.js';
import type { AxisKind } from './ticks.js';

const HEIGHT = 220;

function formatX(kind: AxisKind, x: number): string {
  switch (kind) {
    case 'duration':
      return `Runtime ${formatDuration(x)}`;
    case 'time':
      return formatDate(x, true);
    case 'integer':
      return `Step ${formatNumber(x)}`;
    default:
      return formatNumber(x);
  }
}

const charts = new WeakMap<Element, LineChart>();
const resizer =
  typeof ResizeObserver === 'undefined'
    ? null
    : new ResizeObserver(entries => {
        for (const entry of entries) {
          charts.get(entry.target)?.resized();
        }
      });

export class LineChart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tooltip: HTMLElement;
  private series: readonly ChartSeries[] = [];
  private xKind: AxisKind = 'integer';
  private layout: ChartLayout | null = null;
  private hover: SVGGElement | null = null;
  private drawnWidth = 0;
  /** The pointer over the chart, so a live redraw keeps its tooltip. */
  private lastMove: MouseEvent | null = null;

  constructor(
    readonly metric: string,
    title: string = metric
  ) {
    this.body = el('div', { class: 'chart-body' });
    this.legend = el('div', { class: 'chart-legend' });
    this.tooltip = el('div', { class: 'chart-tooltip', hidden: true });
    this.element = el(
      'div',
      {
        class: 'chart',
        'data-testid': 'chart',
        'data-metric': metric,
        'data-points': 0
      },
      el('div', { class: 'chart-title', title }, title),
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
    charts.set(this.body, this);
    resizer?.observe(this.body);
  }

  /** New data (or x axis): redraw. */
  update(series: readonly ChartSeries[], xKind: AxisKind): void {
    this.series = series;
    this.xKind = xKind;
    this.draw();
    this.drawLegend();
  }

  resized(): void {
    if (
      this.body.clientWidth &&
      Math.abs(this.body.clientWidth - this.drawnWidth) > 2
    ) {
      this.draw();
    }
  }

  private draw(): void {
    const width = Math.max(200, this.body.clientWidth || 480);
    this.drawnWidth = width;
    const layout = layoutChart({
      width,
      height: HEIGHT,
      series: this.series,
      xKind: this.xKind
    });
    this.layout = layout;
    const points = layout.lines.reduce((sum, line) => sum + line.count, 0);
    this.element.setAttribute('data-points', String(points));
    const { left, top, right, bottom } = layout.plot;
    const root = svg('svg', {
      class: 'chart-svg',
      viewBox: `0 0 ${width} ${HEIGHT}`,
      width,
      height: HEIGHT,
      role: 'img',
      'aria-label': this.metric
    });
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
          { x: tick.pos, y: bottom + 16, class: 'tick-x' },
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
            class: 'chart-empty'
          },
          'no data'
        )
      );
    }
    layout.lines.forEach((line, i) => {
      const color = this.series[i].color;
      if (line.dot) {
        root.appendChild(
          svg('circle', {
            cx: line.dot[0],
            cy: line.dot[1],
            r: 3,
            fill: color,
            class: 'chart-dot'
          })
        );
      } else if (line.count) {
        root.appendChild(
          svg('polyline', {
            points: line.points,
            stroke: color,
            class: 'chart-line'
          })
        );
      }
    });
    this.hover = svg('g', { class: 'chart-hover' });
    root.appendChild(this.hover);
    replaceChildren(this.body, root);
    this.tooltip.hidden = true;
    if (this.lastMove) {
      this.onMove(this.lastMove);
    }
  }

  private drawLegend(): void {
    this.legend.hidden = this.series.length < 2;
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

  private onMove(event: MouseEvent): void {
    const layout = this.layout;
    const svgEl = this.body.firstElementChild;
    if (!layout || !svgEl || !this.hover) {
      return;
    }
    const rect = svgEl.getBoundingClientRect();
    const px =
      ((event.clientX - rect.left) * layout.width) /
      (rect.width || layout.width);
    if (px < layout.plot.left - 4 || px > layout.plot.right + 4) {
      this.hideHover();
      return;
    }
    const x = invertX(layout, px);
    const hits = this.series
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
    const sx = (v: number): number =>
      layout.plot.left +
      ((v - layout.xDomain[0]) / (layout.xDomain[1] - layout.xDomain[0])) *
        (layout.plot.right - layout.plot.left);
    const sy = (v: number): number =>
      layout.plot.bottom -
      ((v - layout.yDomain[0]) / (layout.yDomain[1] - layout.yDomain[0])) *
        (layout.plot.bottom - layout.plot.top);
    replaceChildren(
      this.hover,
      svg('line', {
        x1: sx(bestX),
        x2: sx(bestX),
        y1: layout.plot.top,
        y2: layout.plot.bottom,
        class: 'hover-line'
      }),
      ...hits.map(hit =>
        svg('circle', {
          cx: sx(hit.s.x[hit.at]),
          cy: sy(hit.s.y[hit.at]),
          r: 3.5,
          fill: hit.s.color,
          class: 'hover-dot'
        })
      )
    );
    const rows = hits.map(hit => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = hit.s.color;
      const label = this.series.length > 1 ? `${hit.s.label}: ` : '';
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
      el('div', { class: 'tooltip-x' }, formatX(this.xKind, bestX)),
      ...rows
    );
    this.tooltip.hidden = false;
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
