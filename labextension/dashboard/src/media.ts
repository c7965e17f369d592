/**
 * Logged media in W&B's value format, for the run page's panels: the value types, the
 * file a value points at, a table's rows sorted, filtered and paged, and histograms over
 * steps laid out as a heat map (one column per step, one row per bin of a shared range).
 */

export interface MediaValue {
  readonly _type: string;
  readonly path?: string;
  readonly caption?: string;
  readonly filenames?: readonly string[];
  readonly captions?: readonly string[];
  readonly values?: readonly number[];
  readonly bins?: readonly number[];
  readonly [key: string]: unknown;
}

export interface MediaEntry {
  readonly step: number | null;
  readonly value: MediaValue;
}

export interface MediaAnswer {
  readonly keys: Readonly<Record<string, readonly MediaEntry[]>>;
  /** Custom charts (`wandb.plot.*`): key -> the config's `_wandb.visualize.<key>.panel_config`. */
  readonly charts?: Readonly<Record<string, Record<string, unknown>>>;
}

/** The run files an entry shows (an image list has several). */
export function mediaFiles(value: MediaValue): string[] {
  if (value._type === 'images/separated') {
    return [...(value.filenames ?? [])];
  }
  return value.path ? [value.path] : [];
}

/** Captions of an entry, index-aligned with mediaFiles(). */
export function mediaCaptions(value: MediaValue): string[] {
  if (value._type === 'images/separated') {
    return (value.captions ?? []).map(c => String(c ?? ''));
  }
  return value.caption ? [String(value.caption)] : [];
}

export interface TableData {
  readonly columns: readonly string[];
  readonly data: readonly (readonly unknown[])[];
}

/** A W&B table file's JSON ({"columns": [...], "data": [[...]]}); throws when it is not one. */
export function parseTable(text: string): TableData {
  const parsed = JSON.parse(text) as Partial<TableData>;
  if (!Array.isArray(parsed.columns) || !Array.isArray(parsed.data)) {
    throw new Error('not a W&B table (no columns and data)');
  }
  return {
    columns: parsed.columns.map(String),
    data: parsed.data.filter(Array.isArray)
  };
}

/** A cell as text: media values by their type, objects as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'object') {
    const type = (value as { _type?: unknown })._type;
    return typeof type === 'string' ? `[${type}]` : JSON.stringify(value);
  }
  return String(value);
}

/**
 * The image a table cell holds ({"_type": "image-file", "path": ...}, the path relative to the
 * run's files, as W&B's table JSON writes it), or null for any other cell.
 */
export function cellImage(
  value: unknown
): { path: string; caption: string } | null {
  if (value === null || typeof value !== 'object') {
    return null;
  }
  const { _type, path, caption } = value as MediaValue;
  if (_type !== 'image-file' || typeof path !== 'string' || !path) {
    return null;
  }
  return { path, caption: typeof caption === 'string' ? caption : '' };
}

/** Rows whose text contains `filter`, sorted by a column, and the page asked for. */
export function tableView(
  table: TableData,
  options: {
    filter: string;
    sortColumn: number | null;
    descending: boolean;
    page: number;
    pageSize: number;
  }
): { rows: (readonly unknown[])[]; matched: number; pages: number } {
  const needle = options.filter.trim().toLowerCase();
  let rows = table.data.filter(
    row =>
      !needle || row.some(cell => cellText(cell).toLowerCase().includes(needle))
  );
  if (options.sortColumn !== null) {
    const at = options.sortColumn;
    const sign = options.descending ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const x = a[at];
      const y = b[at];
      if (typeof x === 'number' && typeof y === 'number') {
        return sign * (x - y);
      }
      return (
        sign *
        cellText(x).localeCompare(cellText(y), undefined, { numeric: true })
      );
    });
  }
  const pages = Math.max(1, Math.ceil(rows.length / options.pageSize));
  const page = Math.min(Math.max(options.page, 0), pages - 1);
  return {
    rows: rows.slice(page * options.pageSize, (page + 1) * options.pageSize),
    matched: rows.length,
    pages
  };
}

export interface HeatMap {
  readonly steps: readonly (number | null)[];
  readonly edges: readonly number[];
  /** cells[column][row]: the count of histogram `column` in shared bin `row`, normalised to [0, 1]. */
  readonly cells: readonly (readonly number[])[];
}

/**
 * Histograms of several steps re-binned onto `rows` shared bins over their common range
 * (each count goes to the shared bin holding its own bin's centre), normalised per step.
 */
export function histogramHeatMap(
  entries: readonly MediaEntry[],
  rows = 32
): HeatMap | null {
  const hists = entries.filter(
    e =>
      Array.isArray(e.value.values) &&
      Array.isArray(e.value.bins) &&
      (e.value.bins?.length ?? 0) >= 2
  );
  if (!hists.length) {
    return null;
  }
  let low = Infinity;
  let high = -Infinity;
  for (const e of hists) {
    const bins = e.value.bins as readonly number[];
    low = Math.min(low, bins[0]);
    high = Math.max(high, bins[bins.length - 1]);
  }
  if (!(high > low)) {
    high = low + 1;
  }
  const width = (high - low) / rows;
  const edges = Array.from({ length: rows + 1 }, (_, i) => low + i * width);
  const cells = hists.map(e => {
    const values = e.value.values as readonly number[];
    const bins = e.value.bins as readonly number[];
    const column = new Array<number>(rows).fill(0);
    values.forEach((count, i) => {
      const centre = (bins[i] + bins[Math.min(i + 1, bins.length - 1)]) / 2;
      const at = Math.min(
        rows - 1,
        Math.max(0, Math.floor((centre - low) / width))
      );
      column[at] += Number(count) || 0;
    });
    const top = Math.max(...column);
    return top > 0 ? column.map(c => c / top) : column;
  });
  return { steps: hists.map(e => e.step), edges, cells };
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly classId: number | null;
  readonly caption: string;
}

/**
 * The boxes of a W&B boxes2D file (`{"box_data": [{"position": {minX, maxX, minY, maxY} or
 * {middle: [x, y], width, height}, "domain": "pixel" or fractions, "class_id", "box_caption"}]}`)
 * in pixels of a `width` x `height` image; boxes that cannot be read are left out.
 */
export function parseBoxes(
  json: unknown,
  width: number,
  height: number
): Box[] {
  const data = (json as { box_data?: unknown })?.box_data;
  if (!Array.isArray(data)) {
    return [];
  }
  const boxes: Box[] = [];
  for (const raw of data as Record<string, unknown>[]) {
    const p = (raw?.position ?? {}) as Record<string, unknown>;
    const scaleX = raw?.domain === 'pixel' ? 1 : width;
    const scaleY = raw?.domain === 'pixel' ? 1 : height;
    let x0: number;
    let y0: number;
    let x1: number;
    let y1: number;
    if (Array.isArray(p.middle)) {
      const [mx, my] = (p.middle as unknown[]).map(Number);
      const w = Number(p.width);
      const h = Number(p.height);
      [x0, x1, y0, y1] = [mx - w / 2, mx + w / 2, my - h / 2, my + h / 2];
    } else {
      [x0, x1, y0, y1] = [p.minX, p.maxX, p.minY, p.maxY].map(Number);
    }
    if (![x0, x1, y0, y1].every(Number.isFinite)) {
      continue;
    }
    boxes.push({
      x: x0 * scaleX,
      y: y0 * scaleY,
      w: (x1 - x0) * scaleX,
      h: (y1 - y0) * scaleY,
      classId: typeof raw.class_id === 'number' ? raw.class_id : null,
      caption: typeof raw.box_caption === 'string' ? raw.box_caption : ''
    });
  }
  return boxes;
}

/** Class labels of a boxes2D or mask file ({"class_labels": {"1": "cat"}}). */
export function classLabels(json: unknown): Map<number, string> {
  const labels = (json as { class_labels?: unknown })?.class_labels;
  const out = new Map<number, string>();
  if (labels && typeof labels === 'object') {
    for (const [id, name] of Object.entries(labels)) {
      if (Number.isFinite(Number(id))) {
        out.set(Number(id), String(name));
      }
    }
  }
  return out;
}

/** Trace types of the basic bundle; a figure with others is shown as JSON instead. */
export const BASIC_TRACES: ReadonlySet<string> = new Set([
  'scatter',
  'bar',
  'pie'
]);

export interface Figure {
  readonly data: readonly Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
}

/** A plotly-file's JSON as a figure the basic bundle can draw, or null (other traces, not a figure). */
export function drawableFigure(parsed: unknown): Figure | null {
  if (parsed === null || typeof parsed !== 'object') {
    return null;
  }
  const { data, layout } = parsed as { data?: unknown; layout?: unknown };
  if (!Array.isArray(data) || data.length === 0) {
    return null;
  }
  const traces = data.filter(
    (t): t is Record<string, unknown> => t !== null && typeof t === 'object'
  );
  const drawable = traces.every(t =>
    BASIC_TRACES.has(typeof t.type === 'string' ? t.type : 'scatter')
  );
  if (!drawable || traces.length !== data.length) {
    return null;
  }
  const asObject =
    layout !== null && typeof layout === 'object'
      ? (layout as Record<string, unknown>)
      : {};
  return { data: traces, layout: asObject };
}
