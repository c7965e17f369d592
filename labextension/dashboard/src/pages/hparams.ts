/**
 * The project page's parameter views, under the runs table and following its filter and
 * columns: parallel coordinates over the chosen config columns ending in a metric (lines
 * coloured by it), and a scatter of any config key against any summary metric.
 */
import type { RunRow } from '../api.js';
import { el, replaceChildren, svg } from '../dom.js';
import { formatValue } from '../format.js';
import {
  ParamAxis,
  axisLabels,
  axisPosition,
  paramAxis,
  rampColor
} from '../hparams.js';
import type { RunsTable } from './project.js';

const WIDTH = 960;
const HEIGHT = 280;
const PAD = { top: 24, bottom: 30, left: 90, right: 60 };

function select(
  testid: string,
  keys: readonly string[],
  current: string
): HTMLSelectElement {
  const box = el(
    'select',
    { 'data-testid': testid },
    ...keys.map(key =>
      el('option', { value: key, selected: key === current }, key)
    )
  );
  return box;
}

function parallel(
  rows: readonly RunRow[],
  params: readonly string[],
  metric: string
): SVGSVGElement {
  const keys = [...params.map(p => `config:${p}`), `summary:${metric}`];
  const valueOf = (row: RunRow, key: string): unknown =>
    key.startsWith('config:')
      ? row.config[key.slice(7)]
      : row.summary[key.slice(8)];
  const axes: ParamAxis[] = keys.map(key =>
    paramAxis(rows.map(r => valueOf(r, key)))
  );
  const root = svg('svg', {
    class: 'hparams-svg',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    'data-testid': 'parallel-coordinates'
  });
  const x = (i: number): number =>
    PAD.left +
    (keys.length === 1
      ? 0
      : (i * (WIDTH - PAD.left - PAD.right)) / (keys.length - 1));
  const y = (pos: number): number =>
    HEIGHT - PAD.bottom - pos * (HEIGHT - PAD.top - PAD.bottom);
  const metricAxis = axes[axes.length - 1];
  let drawn = 0;
  for (const row of rows) {
    const points: string[] = [];
    let complete = true;
    keys.forEach((key, i) => {
      const pos = axisPosition(axes[i], valueOf(row, key));
      if (pos === null) {
        complete = false;
      } else {
        points.push(`${x(i).toFixed(1)},${y(pos).toFixed(1)}`);
      }
    });
    if (!complete || points.length < 2) {
      continue;
    }
    drawn += 1;
    const t =
      axisPosition(metricAxis, valueOf(row, keys[keys.length - 1])) ?? 0;
    root.appendChild(
      svg(
        'polyline',
        {
          points: points.join(' '),
          stroke: rampColor(t),
          class: 'hparams-line',
          'data-run-id': row.id
        },
        svg(
          'title',
          {},
          `${row.name}: ${metric} ${formatValue(row.summary[metric])}`
        )
      )
    );
  }
  keys.forEach((key, i) => {
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
      svg(
        'text',
        { x: x(i), y: PAD.top - 10, class: 'hparams-name' },
        key.slice(key.indexOf(':') + 1)
      )
    );
    for (const tick of axisLabels(axes[i])) {
      root.appendChild(
        svg(
          'text',
          { x: x(i) - 4, y: y(tick.pos), class: 'hparams-tick' },
          tick.label
        )
      );
    }
  });
  root.setAttribute('data-lines', String(drawn));
  return root;
}

function scatter(
  rows: readonly RunRow[],
  param: string,
  metric: string
): SVGSVGElement {
  const xs = rows.map(r => r.config[param]);
  const ys = rows.map(r => r.summary[metric]);
  const xAxis = paramAxis(xs);
  const yAxis = paramAxis(ys);
  const root = svg('svg', {
    class: 'hparams-svg',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    'data-testid': 'scatter'
  });
  const px = (pos: number): number =>
    PAD.left + pos * (WIDTH - PAD.left - PAD.right);
  const py = (pos: number): number =>
    HEIGHT - PAD.bottom - pos * (HEIGHT - PAD.top - PAD.bottom);
  root.appendChild(
    svg('line', {
      x1: px(0),
      x2: px(1),
      y1: py(0),
      y2: py(0),
      class: 'hparams-axis'
    })
  );
  root.appendChild(
    svg('line', {
      x1: px(0),
      x2: px(0),
      y1: py(0),
      y2: py(1),
      class: 'hparams-axis'
    })
  );
  for (const tick of axisLabels(xAxis)) {
    root.appendChild(
      svg(
        'text',
        { x: px(tick.pos), y: py(0) + 16, class: 'hparams-xtick' },
        tick.label
      )
    );
  }
  for (const tick of axisLabels(yAxis)) {
    root.appendChild(
      svg(
        'text',
        { x: px(0) - 6, y: py(tick.pos), class: 'hparams-tick' },
        tick.label
      )
    );
  }
  root.appendChild(
    svg(
      'text',
      { x: px(0.5), y: HEIGHT - 2, class: 'hparams-name' },
      param + (xAxis.kind === 'number' && xAxis.log ? ' (log)' : '')
    )
  );
  root.appendChild(
    svg('text', { x: px(0), y: PAD.top - 10, class: 'hparams-name' }, metric)
  );
  let drawn = 0;
  rows.forEach((row, i) => {
    const a = axisPosition(xAxis, xs[i]);
    const b = axisPosition(yAxis, ys[i]);
    if (a === null || b === null) {
      return;
    }
    drawn += 1;
    root.appendChild(
      svg(
        'circle',
        {
          cx: px(a).toFixed(1),
          cy: py(b).toFixed(1),
          r: 4,
          class: 'hparams-dot',
          'data-run-id': row.id
        },
        svg(
          'title',
          {},
          `${row.name}: ${param} ${formatValue(xs[i])}, ${metric} ${formatValue(ys[i])}`
        )
      )
    );
  });
  root.setAttribute('data-points', String(drawn));
  return root;
}

/** The parameter views of a runs table, redrawn whenever its rows or columns change. */
export function hparamsView(table: RunsTable): HTMLElement {
  const body = el('div', { class: 'hparams' });
  let metric = '';
  let param = '';
  let scatterMetric = '';
  const draw = (): void => {
    const { config_keys: configKeys, summary_keys: summaryKeys } = table.answer;
    const rows = table.rows;
    const params = table.chosen.config.length
      ? [...table.chosen.config]
      : configKeys.slice(0, 4);
    const metrics = summaryKeys.filter(k =>
      rows.some(r => typeof r.summary[k] === 'number')
    );
    if (!params.length || !metrics.length) {
      replaceChildren(
        body,
        el(
          'p',
          { class: 'muted' },
          'No numeric metrics or config keys to relate yet.'
        )
      );
      return;
    }
    metric = metrics.includes(metric)
      ? metric
      : (table.chosen.summary.find(k => metrics.includes(k)) ?? metrics[0]);
    param = configKeys.includes(param) ? param : params[0];
    scatterMetric = metrics.includes(scatterMetric) ? scatterMetric : metric;
    const metricBox = select('parallel-metric', metrics, metric);
    metricBox.addEventListener('change', () => {
      metric = metricBox.value;
      draw();
    });
    const paramBox = select('scatter-x', configKeys, param);
    paramBox.addEventListener('change', () => {
      param = paramBox.value;
      draw();
    });
    const yBox = select('scatter-y', metrics, scatterMetric);
    yBox.addEventListener('change', () => {
      scatterMetric = yBox.value;
      draw();
    });
    replaceChildren(
      body,
      el(
        'div',
        { class: 'hparams-panel' },
        el(
          'div',
          { class: 'toolbar' },
          el('b', {}, 'Parallel coordinates'),
          el('label', { class: 'control' }, 'Metric ', metricBox)
        ),
        parallel(rows, params, metric)
      ),
      el(
        'div',
        { class: 'hparams-panel' },
        el(
          'div',
          { class: 'toolbar' },
          el('b', {}, 'Scatter'),
          el('label', { class: 'control' }, 'Parameter ', paramBox),
          el('label', { class: 'control' }, 'Metric ', yBox)
        ),
        scatter(rows, param, scatterMetric)
      )
    );
  };
  let pending = false;
  table.onChange = () => {
    // one redraw per burst of table changes (typing in the filter)
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        draw();
      });
    }
  };
  draw();
  return el(
    'details',
    {
      class: 'section',
      id: 'parameters',
      open: true,
      'data-testid': 'parameters'
    },
    el('summary', {}, el('h2', {}, 'Parameters')),
    body
  );
}
