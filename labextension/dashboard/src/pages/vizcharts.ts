/**
 * The run page's "Charts" panels: one per custom chart (`wandb.plot.*`, the config's
 * `_wandb.visualize`), its table drawn as SVG lines, points, bars or a count grid by
 * chartPlan(); a spec we do not draw shows its table with a note.
 */
import { layoutChart, pixelX, pixelY, scale } from '../chart.js';
import { el, replaceChildren, svg } from '../dom.js';
import { TableData } from '../media.js';
import { PALETTE } from '../palette.js';
import { ChartPlan, NamedXY, PanelConfig, chartPlan } from '../vizchart.js';

const WIDTH = 480;
const HEIGHT = 280;

function axes(layout: ReturnType<typeof layoutChart>): SVGGElement {
  const { left, right, bottom } = layout.plot;
  const g = svg('g', { class: 'chart-axes' });
  for (const tick of layout.yTicks) {
    g.appendChild(
      svg('line', { x1: left, x2: right, y1: tick.pos, y2: tick.pos })
    );
    g.appendChild(
      svg('text', { x: left - 6, y: tick.pos, class: 'tick-y' }, tick.label)
    );
  }
  for (const tick of layout.xTicks) {
    g.appendChild(
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
  return g;
}

function xyChart(series: NamedXY[], points: boolean): SVGSVGElement {
  const layout = layoutChart({
    width: WIDTH,
    height: HEIGHT,
    series,
    xKind: 'number'
  });
  const root = svg(
    'svg',
    { width: WIDTH, height: HEIGHT, class: 'chart-svg' },
    axes(layout)
  );
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    if (points) {
      s.x.forEach((x, j) =>
        root.appendChild(
          svg('circle', {
            cx: pixelX(layout, x),
            cy: pixelY(layout, s.y[j]),
            r: 3,
            fill: color,
            'data-testid': 'viz-point'
          })
        )
      );
      return;
    }
    root.appendChild(
      svg(
        'polyline',
        {
          points: layout.lines[i]?.points ?? '',
          fill: 'none',
          stroke: color,
          'stroke-width': 1.5,
          'data-testid': 'viz-line'
        },
        svg('title', {}, s.name)
      )
    );
  });
  return root;
}

function barChart(labels: string[], values: number[]): SVGSVGElement {
  const [left, top, right, bottom] = [48, 10, WIDTH - 10, HEIGHT - 40];
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const y = scale([min, max === min ? min + 1 : max], [bottom, top]);
  const step = (right - left) / Math.max(1, values.length);
  const root = svg('svg', { width: WIDTH, height: HEIGHT, class: 'chart-svg' });
  root.appendChild(
    svg(
      'text',
      { x: left - 6, y: top + 4, class: 'tick-y' },
      String(+max.toPrecision(4))
    )
  );
  values.forEach((v, i) => {
    const [y0, y1] = [y(0), y(v)];
    root.appendChild(
      svg(
        'rect',
        {
          x: left + i * step + step * 0.1,
          y: Math.min(y0, y1),
          width: step * 0.8,
          height: Math.abs(y1 - y0),
          fill: PALETTE[0],
          'data-testid': 'viz-bar'
        },
        svg('title', {}, `${labels[i]}: ${v}`)
      )
    );
    if (values.length <= 20) {
      root.appendChild(
        svg(
          'text',
          {
            x: left + (i + 0.5) * step,
            y: bottom + 16,
            class: 'tick-x',
            'text-anchor': 'middle'
          },
          labels[i]
        )
      );
    }
  });
  return root;
}

function gridChart(
  rows: string[],
  cols: string[],
  counts: number[][]
): SVGSVGElement {
  const [left, top, size] = [90, 30, 36];
  const max = Math.max(1, ...counts.flat());
  const root = svg('svg', {
    width: left + size * cols.length + 10,
    height: top + size * rows.length + 10,
    class: 'chart-svg',
    'data-testid': 'viz-grid'
  });
  root.appendChild(
    svg('text', { x: 4, y: 14, class: 'tick-x' }, 'actual \\ predicted')
  );
  cols.forEach((c, j) =>
    root.appendChild(
      svg(
        'text',
        {
          x: left + (j + 0.5) * size,
          y: top - 6,
          class: 'tick-x',
          'text-anchor': 'middle'
        },
        c
      )
    )
  );
  rows.forEach((r, i) => {
    root.appendChild(
      svg(
        'text',
        { x: left - 6, y: top + (i + 0.5) * size, class: 'tick-y' },
        r
      )
    );
    cols.forEach((_, j) => {
      const n = counts[i][j];
      const [x, y] = [left + j * size, top + i * size];
      root.appendChild(
        svg('rect', {
          x,
          y,
          width: size - 1,
          height: size - 1,
          fill: PALETTE[0],
          'fill-opacity': (0.08 + (0.92 * n) / max).toFixed(2),
          'data-testid': 'viz-cell'
        })
      );
      root.appendChild(
        svg(
          'text',
          {
            x: x + size / 2,
            y: y + size / 2 + 4,
            'text-anchor': 'middle',
            class: 'viz-count'
          },
          String(n)
        )
      );
    });
  });
  return root;
}

function drawn(plan: ChartPlan, tableFallback: () => Node): Node {
  switch (plan.kind) {
    case 'lines':
    case 'points':
      return xyChart(plan.series, plan.kind === 'points');
    case 'bars':
      return barChart(plan.labels, plan.values);
    case 'grid':
      return gridChart(plan.rows, plan.cols, plan.counts);
    default:
      return el(
        'div',
        {},
        el('p', { class: 'muted', 'data-testid': 'viz-note' }, plan.note),
        tableFallback()
      );
  }
}

/** A panel drawing one custom chart from its table (loaded on demand). */
export function vizChartPanel(
  key: string,
  config: PanelConfig,
  loadTable: (() => Promise<TableData>) | null,
  tableFallback: () => Node
): HTMLElement {
  const body = el('div', { class: 'viz-body' }, 'Loading…');
  if (!loadTable) {
    replaceChildren(
      body,
      el('p', { class: 'muted' }, 'its table was not logged')
    );
  } else {
    void loadTable().then(
      table =>
        replaceChildren(body, drawn(chartPlan(config, table), tableFallback)),
      (error: Error) =>
        replaceChildren(
          body,
          el('p', { class: 'error' }, `table: ${error.message}`)
        )
    );
  }
  const title = config.stringSettings?.title;
  return el(
    'div',
    {
      class: 'media-panel',
      'data-testid': 'viz-panel',
      'data-key': key,
      'data-spec': config.panelDefId ?? ''
    },
    el(
      'div',
      { class: 'chart-title' },
      typeof title === 'string' && title ? title : key,
      el('span', { class: 'muted' }, ` ${config.panelDefId ?? ''}`)
    ),
    body
  );
}
