/**
 * W&B's custom charts (`wandb.plot.*`): a run's config holds, per key, a Vega spec id and the
 * table columns its fields use (`_wandb.visualize.<key>.panel_config`); the table itself is
 * logged under the key the spec's userQuery names. chartPlan() maps a spec and its table onto
 * what our SVG charts draw: lines, points, bars, or a heat-map grid; any other spec is left as
 * the table, with a note.
 */
import { TableData } from './media.js';

export interface PanelConfig {
  readonly panelDefId?: string;
  readonly fieldSettings?: Readonly<Record<string, unknown>>;
  readonly stringSettings?: Readonly<Record<string, unknown>>;
  readonly userQuery?: unknown;
}

export interface NamedXY {
  readonly name: string;
  readonly x: number[];
  readonly y: number[];
}

export type ChartPlan =
  | { readonly kind: 'lines' | 'points'; readonly series: NamedXY[] }
  | {
      readonly kind: 'bars';
      readonly labels: string[];
      readonly values: number[];
    }
  | {
      readonly kind: 'grid';
      readonly rows: string[];
      readonly cols: string[];
      /** counts[row][col] */
      readonly counts: number[][];
    }
  | { readonly kind: 'table'; readonly note: string };

const HISTOGRAM_BINS = 20;

/** The table key a spec's userQuery names (`summaryTable(tableKey: ...)`), or null. */
export function tableKeyOf(config: PanelConfig): string | null {
  const found = JSON.stringify(config.userQuery ?? null).match(
    /"name":"tableKey","value":"((?:[^"\\]|\\.)*)"/
  );
  return found ? (JSON.parse(`"${found[1]}"`) as string) : null;
}

function column(table: TableData, config: PanelConfig, field: string): number {
  const name = config.fieldSettings?.[field];
  return typeof name === 'string' ? table.columns.indexOf(name) : -1;
}

function numeric(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function grouped(
  table: TableData,
  xi: number,
  yi: number,
  gi: number
): NamedXY[] {
  const byName = new Map<string, NamedXY>();
  for (const row of table.data) {
    const x = numeric(row[xi]);
    const y = numeric(row[yi]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      continue;
    }
    const name = gi >= 0 ? String(row[gi]) : '';
    let series = byName.get(name);
    if (!series) {
      series = { name, x: [], y: [] };
      byName.set(name, series);
    }
    series.x.push(x);
    series.y.push(y);
  }
  return [...byName.values()];
}

/** Equal-width bins over the finite values of one column, labelled by their lower edge. */
function histogram(values: number[]): { labels: string[]; values: number[] } {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) {
    return { labels: [], values: [] };
  }
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
  const bins = hi > lo ? HISTOGRAM_BINS : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) {
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1;
  }
  return {
    labels: counts.map((_, i) => String(+(lo + i * width).toPrecision(4))),
    values: counts
  };
}

function confusionGrid(table: TableData, config: PanelConfig): ChartPlan {
  const ai = column(table, config, 'Actual');
  const pi = column(table, config, 'Predicted');
  const ni = column(table, config, 'nPredictions');
  if (ai < 0 || pi < 0 || ni < 0) {
    return { kind: 'table', note: 'confusion matrix: columns not found' };
  }
  const rows: string[] = [];
  const cols: string[] = [];
  for (const row of table.data) {
    const [a, p] = [String(row[ai]), String(row[pi])];
    if (!rows.includes(a)) {
      rows.push(a);
    }
    if (!cols.includes(p)) {
      cols.push(p);
    }
  }
  const counts = rows.map(() => cols.map(() => 0));
  for (const row of table.data) {
    counts[rows.indexOf(String(row[ai]))][cols.indexOf(String(row[pi]))] +=
      numeric(row[ni]) || 0;
  }
  return { kind: 'grid', rows, cols, counts };
}

/** What to draw for a spec and its table. */
export function chartPlan(config: PanelConfig, table: TableData): ChartPlan {
  const spec = config.panelDefId ?? '';
  const col = (field: string): number => column(table, config, field);
  const missing = {
    kind: 'table',
    note: `${spec}: columns not found`
  } as const;
  switch (spec.replace(/\/v\d+$/, '')) {
    case 'wandb/line':
    case 'wandb/area-under-curve': {
      const [xi, yi] = [col('x'), col('y')];
      const gi = spec.startsWith('wandb/line/') ? col('stroke') : col('class');
      return xi < 0 || yi < 0
        ? missing
        : { kind: 'lines', series: grouped(table, xi, yi, gi) };
    }
    case 'wandb/lineseries': {
      const [xi, yi] = [col('step'), col('lineVal')];
      return xi < 0 || yi < 0
        ? missing
        : { kind: 'lines', series: grouped(table, xi, yi, col('lineKey')) };
    }
    case 'wandb/scatter': {
      const [xi, yi] = [col('x'), col('y')];
      return xi < 0 || yi < 0
        ? missing
        : { kind: 'points', series: grouped(table, xi, yi, -1) };
    }
    case 'wandb/bar': {
      const [li, vi] = [col('label'), col('value')];
      return li < 0 || vi < 0
        ? missing
        : {
            kind: 'bars',
            labels: table.data.map(r => String(r[li])),
            values: table.data.map(r => numeric(r[vi]) || 0)
          };
    }
    case 'wandb/histogram': {
      const vi = col('value');
      return vi < 0
        ? missing
        : { kind: 'bars', ...histogram(table.data.map(r => numeric(r[vi]))) };
    }
    case 'wandb/confusion_matrix':
      return confusionGrid(table, config);
    default:
      return {
        kind: 'table',
        note: `${spec || 'unknown spec'}: no chart for this spec; its table:`
      };
  }
}
