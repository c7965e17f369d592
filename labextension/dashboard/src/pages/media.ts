/**
 * The run page's media panels, one per logged key, by the value's type: images (a grid
 * with captions and a step slider), tables (sortable, filterable, paged), histograms (bars,
 * or a heat map over steps), audio and video players, HTML in a sandboxed frame, plotly
 * figures drawn by plotly.js's basic bundle (loaded with the first one; JSON for other trace
 * types) and 3D objects as their JSON (no renderer is bundled) with a download link.
 */
import { el, replaceChildren, svg } from '../dom.js';
import {
  MediaAnswer,
  MediaEntry,
  cellImage,
  cellText,
  drawableFigure,
  classLabels,
  parseBoxes,
  histogramHeatMap,
  mediaCaptions,
  mediaFiles,
  parseTable,
  tableView
} from '../media.js';
import { loadPlotly } from '../plotly.js';
import { PageContext, section } from './common.js';
import { vizChartPanel } from './vizcharts.js';
import { PanelConfig, tableKeyOf } from '../vizchart.js';

type RunRoute = { entity: string; project: string; runId: string };

const PAGE_SIZE = 20;

function mediaUrl(ctx: PageContext, route: RunRoute, name: string): string {
  const url = ctx.api.fileUrl(route.entity, route.project, route.runId, name);
  return `${url}${url.includes('?') ? '&' : '?'}media=1`;
}

function fileText(
  ctx: PageContext,
  route: RunRoute,
  name: string
): Promise<string> {
  return fetch(mediaUrl(ctx, route, name), { credentials: 'same-origin' }).then(
    r => {
      if (!r.ok) {
        throw new Error(`${r.status} ${r.statusText}`);
      }
      return r.text();
    }
  );
}

/** A panel with a step slider when the key was logged at several steps. */
function stepped(
  entries: readonly MediaEntry[],
  draw: (entry: MediaEntry) => Node
): HTMLElement {
  const body = el('div', { class: 'media-body' });
  const label = el('span', { class: 'muted', 'data-testid': 'media-step' });
  const show = (i: number): void => {
    const entry = entries[i];
    label.textContent = entry.step === null ? '' : `step ${entry.step}`;
    replaceChildren(body, draw(entry));
  };
  const slider = el('input', {
    type: 'range',
    min: 0,
    max: entries.length - 1,
    value: entries.length - 1,
    'aria-label': 'Step',
    'data-testid': 'media-slider',
    hidden: entries.length < 2
  });
  slider.addEventListener('input', () => show(Number(slider.value)));
  show(entries.length - 1);
  return el(
    'div',
    {},
    el('div', { class: 'media-steps' }, slider, label),
    body
  );
}

const OVERLAY_COLORS: readonly [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [23, 190, 207]
];

function overlayColor(classId: number | null): [number, number, number] {
  return OVERLAY_COLORS[Math.abs(classId ?? 0) % OVERLAY_COLORS.length];
}

/** A class-id mask PNG drawn in colours (class 0 transparent) on a canvas. */
function maskCanvas(src: string): HTMLCanvasElement {
  const canvas = el('canvas', {
    class: 'overlay',
    'data-testid': 'mask-overlay'
  });
  const image = new Image();
  image.addEventListener('load', () => {
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    if (!context) {
      return;
    }
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < pixels.data.length; i += 4) {
      const id = pixels.data[i];
      if (id === 0) {
        pixels.data[i + 3] = 0;
      } else {
        const [r, g, b] = overlayColor(id);
        pixels.data.set([r, g, b, 140], i);
        painted += 1;
      }
    }
    context.putImageData(pixels, 0, 0);
    canvas.setAttribute('data-painted', String(painted));
  });
  image.src = src;
  return canvas;
}

/** The boxes of a boxes2D file as an SVG over the image, with a toggle per class. */
function boxesSvg(
  ctx: PageContext,
  route: RunRoute,
  path: string,
  width: number,
  height: number,
  toggles: HTMLElement
): SVGSVGElement {
  const fontSize = Math.max(3, Math.round(height / 16));
  const layer = svg('svg', {
    class: 'overlay',
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: 'none',
    'data-testid': 'boxes-overlay'
  });
  void fileText(ctx, route, path).then(text => {
    const json = JSON.parse(text) as unknown;
    const labels = classLabels(json);
    const boxes = parseBoxes(json, width, height);
    const hidden = new Set<number | null>();
    const draw = (): void => {
      replaceChildren(
        layer,
        ...boxes
          .filter(box => !hidden.has(box.classId))
          .map(box => {
            const [r, g, b] = overlayColor(box.classId);
            const name = box.caption || labels.get(box.classId ?? -1) || '';
            return svg(
              'g',
              { class: 'box', 'data-class': box.classId ?? '' },
              svg('rect', {
                x: box.x,
                y: box.y,
                width: box.w,
                height: box.h,
                stroke: `rgb(${r},${g},${b})`,
                'vector-effect': 'non-scaling-stroke'
              }),
              name
                ? svg(
                    'text',
                    {
                      x: box.x,
                      y: Math.max(box.y - 1, fontSize),
                      'font-size': fontSize,
                      fill: `rgb(${r},${g},${b})`
                    },
                    name
                  )
                : null
            );
          })
      );
    };
    for (const id of new Set(boxes.map(box => box.classId))) {
      const box = el('input', {
        type: 'checkbox',
        checked: true,
        'data-class': id ?? ''
      });
      box.addEventListener('change', () => {
        if (box.checked) {
          hidden.delete(id);
        } else {
          hidden.add(id);
        }
        draw();
      });
      toggles.append(
        el(
          'label',
          { class: 'check' },
          box,
          labels.get(id ?? -1) ?? `class ${id}`
        )
      );
    }
    draw();
  });
  return layer;
}

/** An image with its masks and boxes laid over it (each overlay toggled by its key). */
function overlaid(
  ctx: PageContext,
  route: RunRoute,
  entry: MediaEntry,
  src: string,
  alt: string
): HTMLElement {
  const value = entry.value;
  const width = Number(value.width) || 1;
  const height = Number(value.height) || 1;
  const stack = el(
    'div',
    { class: 'overlay-stack' },
    el('img', { src, alt, loading: 'lazy' })
  );
  const toggles = el('div', { class: 'overlay-toggles' });
  const layers: [string, Element][] = [];
  for (const [key, mask] of Object.entries(
    (value.masks ?? {}) as Record<string, { path?: string }>
  )) {
    if (mask?.path) {
      layers.push([`mask ${key}`, maskCanvas(mediaUrl(ctx, route, mask.path))]);
    }
  }
  for (const [key, boxes] of Object.entries(
    (value.boxes ?? {}) as Record<string, { path?: string }>
  )) {
    if (boxes?.path) {
      layers.push([
        `boxes ${key}`,
        boxesSvg(ctx, route, boxes.path, width, height, toggles)
      ]);
    }
  }
  for (const [name, layer] of layers) {
    stack.append(layer);
    const box = el('input', {
      type: 'checkbox',
      checked: true,
      'data-overlay': name
    });
    box.addEventListener('change', () =>
      layer.classList.toggle('overlay-off', !box.checked)
    );
    toggles.prepend(el('label', { class: 'check' }, box, name));
  }
  return el('div', {}, stack, layers.length ? toggles : null);
}

function images(ctx: PageContext, route: RunRoute, entry: MediaEntry): Node {
  const captions = mediaCaptions(entry.value);
  if (
    entry.value._type === 'image-file' &&
    (entry.value.masks || entry.value.boxes)
  ) {
    const name = entry.value.path ?? '';
    return el(
      'div',
      { class: 'image-grid' },
      el(
        'figure',
        {},
        overlaid(
          ctx,
          route,
          entry,
          mediaUrl(ctx, route, name),
          captions[0] || name
        ),
        captions[0] ? el('figcaption', {}, captions[0]) : null
      )
    );
  }
  return el(
    'div',
    { class: 'image-grid' },
    ...mediaFiles(entry.value).map((name, i) =>
      el(
        'figure',
        {},
        el('img', {
          src: mediaUrl(ctx, route, name),
          alt: captions[i] || name,
          loading: 'lazy'
        }),
        captions[i] ? el('figcaption', {}, captions[i]) : null
      )
    )
  );
}

/** A table cell: an image as a thumbnail that opens the full file, anything else as text. */
function tableCell(ctx: PageContext, route: RunRoute, cell: unknown): Node {
  const image = cellImage(cell);
  if (!image) {
    return document.createTextNode(cellText(cell));
  }
  const src = mediaUrl(ctx, route, image.path);
  return el(
    'a',
    { href: src, target: '_blank', rel: 'noopener noreferrer' },
    el('img', {
      src,
      class: 'cell-thumb',
      loading: 'lazy',
      alt: image.caption || image.path,
      title: image.caption || image.path,
      'data-testid': 'table-image'
    })
  );
}

function tablePanel(
  ctx: PageContext,
  route: RunRoute,
  entry: MediaEntry
): Node {
  const holder = el(
    'div',
    { class: 'media-table', 'data-testid': 'media-table' },
    'Loading…'
  );
  const name = entry.value.path;
  if (!name) {
    return holder;
  }
  void fileText(ctx, route, name).then(
    text => {
      const table = parseTable(text);
      const state = {
        filter: '',
        sortColumn: null as number | null,
        descending: false,
        page: 0,
        pageSize: PAGE_SIZE
      };
      const filter = el('input', {
        type: 'search',
        placeholder: 'Filter rows',
        'data-testid': 'table-filter'
      });
      const info = el('span', { class: 'muted', 'data-testid': 'table-info' });
      const prev = el(
        'button',
        { type: 'button', 'data-testid': 'table-prev' },
        '‹'
      );
      const next = el(
        'button',
        { type: 'button', 'data-testid': 'table-next' },
        '›'
      );
      const grid = el('table', { class: 'grid' });
      const draw = (): void => {
        const view = tableView(table, state);
        state.page = Math.min(state.page, view.pages - 1);
        info.textContent = `${view.matched} rows · page ${state.page + 1} of ${view.pages}`;
        const head = table.columns.map((column, i) => {
          const button = el(
            'button',
            { type: 'button', class: 'sort' },
            column,
            state.sortColumn === i ? (state.descending ? ' ▼' : ' ▲') : ''
          );
          button.addEventListener('click', () => {
            state.descending =
              state.sortColumn === i ? !state.descending : false;
            state.sortColumn = i;
            draw();
          });
          return el('th', {}, button);
        });
        replaceChildren(
          grid,
          el('thead', {}, el('tr', {}, ...head)),
          el(
            'tbody',
            {},
            ...view.rows.map(row =>
              el(
                'tr',
                { 'data-testid': 'table-row' },
                ...row.map(cell => el('td', {}, tableCell(ctx, route, cell)))
              )
            )
          )
        );
      };
      filter.addEventListener('input', () => {
        state.filter = filter.value;
        state.page = 0;
        draw();
      });
      prev.addEventListener('click', () => {
        state.page = Math.max(0, state.page - 1);
        draw();
      });
      next.addEventListener('click', () => {
        state.page += 1;
        draw();
      });
      draw();
      replaceChildren(
        holder,
        el('div', { class: 'toolbar' }, filter, prev, next, info),
        el('div', { class: 'table-scroll' }, grid)
      );
    },
    error => replaceChildren(holder, `Cannot read the table: ${String(error)}`)
  );
  return holder;
}

const HIST_W = 480;
const HIST_H = 160;

function histogramBars(entry: MediaEntry): Node {
  const values = (entry.value.values ?? []).map(Number);
  const top = Math.max(1, ...values);
  const bar = HIST_W / Math.max(1, values.length);
  const bins = entry.value.bins ?? [];
  return svg(
    'svg',
    {
      viewBox: `0 0 ${HIST_W} ${HIST_H + 14}`,
      class: 'histogram',
      'data-testid': 'histogram'
    },
    ...values.map((v, i) =>
      svg('rect', {
        x: (i * bar).toFixed(1),
        y: (HIST_H - (v / top) * HIST_H).toFixed(1),
        width: Math.max(1, bar - 1).toFixed(1),
        height: ((v / top) * HIST_H).toFixed(1),
        class: 'hist-bar'
      })
    ),
    bins.length
      ? svg(
          'text',
          { x: 0, y: HIST_H + 12, class: 'tick-x-start' },
          cellText(+Number(bins[0]).toPrecision(3))
        )
      : null,
    bins.length
      ? svg(
          'text',
          { x: HIST_W, y: HIST_H + 12, class: 'tick-x-end' },
          cellText(+Number(bins[bins.length - 1]).toPrecision(3))
        )
      : null
  );
}

function histogramPanel(entries: readonly MediaEntry[]): Node {
  const map = entries.length > 1 ? histogramHeatMap(entries) : null;
  if (!map) {
    return histogramBars(entries[entries.length - 1]);
  }
  const columns = map.cells.length;
  const rows = map.edges.length - 1;
  const cw = HIST_W / columns;
  const rh = HIST_H / rows;
  const rects: SVGElement[] = [];
  map.cells.forEach((column, c) =>
    column.forEach((v, r) => {
      if (v > 0) {
        const rect = svg('rect', {
          x: (c * cw).toFixed(1),
          y: (HIST_H - (r + 1) * rh).toFixed(1),
          width: Math.max(1, cw).toFixed(1),
          height: rh.toFixed(1),
          class: 'heat-cell',
          'fill-opacity': (0.15 + 0.85 * v).toFixed(2)
        });
        rects.push(rect);
      }
    })
  );
  const first = map.steps[0];
  const last = map.steps[map.steps.length - 1];
  return svg(
    'svg',
    {
      viewBox: `0 0 ${HIST_W} ${HIST_H + 14}`,
      class: 'histogram',
      'data-testid': 'histogram-heatmap',
      'data-steps': columns
    },
    ...rects,
    svg(
      'text',
      { x: 0, y: HIST_H + 12, class: 'tick-x-start' },
      first === null ? '' : `step ${first}`
    ),
    svg(
      'text',
      { x: HIST_W, y: HIST_H + 12, class: 'tick-x-end' },
      last === null ? '' : `step ${last}`
    )
  );
}

/** A plotly figure drawn by plotly.js (loaded now, once); JSON when its traces need a bigger bundle. */
function plotlyPanel(
  ctx: PageContext,
  route: RunRoute,
  entry: MediaEntry
): Node {
  const fallback = (): Node =>
    jsonPanel(
      ctx,
      route,
      entry,
      'Plotly figure (trace types beyond scatter, bar and pie)'
    );
  const holder = el(
    'div',
    { class: 'media-plotly', 'data-testid': 'media-plotly' },
    'Loading…'
  );
  void fileText(ctx, route, entry.value.path ?? '')
    .then(text => {
      const figure = drawableFigure(JSON.parse(text));
      if (!figure) {
        replaceChildren(holder, fallback());
        return;
      }
      return loadPlotly().then(plotly => {
        const plot = el('div', { class: 'plotly-figure' });
        replaceChildren(holder, plot);
        return plotly.newPlot(plot, [...figure.data], figure.layout, {
          displaylogo: false,
          displayModeBar: false, // its look comes from the <style> rules the CSP refuses
          responsive: true
        });
      });
    })
    .catch(error => {
      replaceChildren(
        holder,
        fallback(),
        el('p', { class: 'muted' }, String(error))
      );
    });
  return holder;
}

function jsonPanel(
  ctx: PageContext,
  route: RunRoute,
  entry: MediaEntry,
  what: string
): Node {
  const name = entry.value.path ?? '';
  const pre = el(
    'pre',
    { class: 'output media-json', 'data-testid': 'media-json' },
    'Loading…'
  );
  void fileText(ctx, route, name).then(
    text => {
      let shown = text;
      try {
        shown = JSON.stringify(JSON.parse(text), null, 1);
      } catch {
        // not JSON: as it is
      }
      replaceChildren(
        pre,
        shown.length > 20000 ? `${shown.slice(0, 20000)}\n…` : shown
      );
    },
    error => replaceChildren(pre, String(error))
  );
  return el(
    'div',
    {},
    el(
      'p',
      { class: 'muted' },
      `${what}: shown as JSON. `,
      el(
        'a',
        {
          href: ctx.api.fileUrl(route.entity, route.project, route.runId, name)
        },
        'Download'
      )
    ),
    pre
  );
}

function panel(
  ctx: PageContext,
  route: RunRoute,
  key: string,
  entries: readonly MediaEntry[]
): HTMLElement {
  const type = entries[entries.length - 1].value._type;
  let body: Node;
  switch (type) {
    case 'image-file':
    case 'images/separated':
      body = stepped(entries, e => images(ctx, route, e));
      break;
    case 'table-file':
    case 'joined-table':
    case 'partitioned-table':
      body = stepped(entries, e => tablePanel(ctx, route, e));
      break;
    case 'histogram':
      body = histogramPanel(entries);
      break;
    case 'audio-file':
      body = stepped(entries, e =>
        el(
          'div',
          {},
          el('audio', {
            controls: true,
            src: mediaUrl(ctx, route, e.value.path ?? ''),
            'data-testid': 'media-audio'
          }),
          e.value.caption ? el('p', {}, String(e.value.caption)) : null
        )
      );
      break;
    case 'video-file':
      body = stepped(entries, e =>
        el('video', {
          controls: true,
          src: mediaUrl(ctx, route, e.value.path ?? ''),
          class: 'media-video'
        })
      );
      break;
    case 'html-file':
      body = stepped(entries, e =>
        el('iframe', {
          sandbox: 'allow-scripts',
          src: mediaUrl(ctx, route, e.value.path ?? ''),
          class: 'media-html',
          title: key,
          'data-testid': 'media-html'
        })
      );
      break;
    case 'plotly-file':
      body = stepped(entries, e => plotlyPanel(ctx, route, e));
      break;
    case 'object3D-file':
      body = stepped(entries, e =>
        jsonPanel(ctx, route, e, '3D object (no renderer is bundled)')
      );
      break;
    default:
      body = el(
        'p',
        { class: 'muted' },
        `${type}: no panel for this type yet.`
      );
  }
  return el(
    'div',
    {
      class: 'media-panel',
      'data-testid': 'media-panel',
      'data-key': key,
      'data-type': type
    },
    el(
      'div',
      { class: 'chart-title' },
      key,
      el('span', { class: 'muted' }, ` ${type}`)
    ),
    body
  );
}

/** The media section of a run page (null when the run logged no media). */
export async function mediaSection(
  ctx: PageContext,
  route: RunRoute
): Promise<HTMLElement | null> {
  let answer: MediaAnswer;
  try {
    answer = await ctx.api.json<MediaAnswer>(
      `run/${[route.entity, route.project, route.runId].map(encodeURIComponent).join('/')}/media`
    );
  } catch {
    return null;
  }
  const keys = Object.keys(answer.keys).filter(k => answer.keys[k].length);
  const charts = Object.entries(answer.charts ?? {});
  if (!keys.length && !charts.length) {
    return null;
  }
  return section(
    'media',
    'Media',
    charts.length
      ? el(
          'div',
          { class: 'viz-charts', 'data-testid': 'viz-charts' },
          el('h3', {}, 'Charts'),
          el(
            'div',
            { class: 'media-grid' },
            ...charts.map(([key, config]) =>
              chartPanel(ctx, route, answer, key, config)
            )
          )
        )
      : null,
    el(
      'div',
      { class: 'media-grid' },
      ...keys.map(key => panel(ctx, route, key, answer.keys[key]))
    )
  );
}

/** A custom chart's panel, its table the last logged value of the key its spec names. */
function chartPanel(
  ctx: PageContext,
  route: RunRoute,
  answer: MediaAnswer,
  key: string,
  config: PanelConfig
): HTMLElement {
  const entries = answer.keys[tableKeyOf(config) ?? `${key}_table`] ?? [];
  const last = entries[entries.length - 1];
  const path = last?.value.path;
  return vizChartPanel(
    key,
    config,
    path ? () => fileText(ctx, route, path).then(parseTable) : null,
    () => (last ? tablePanel(ctx, route, last) : el('span'))
  );
}
