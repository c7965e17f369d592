/**
 * The runs table's model: columns, cell values, filtering, sorting and grouping, plus the
 * remembered column choice. No DOM here; pages/project.ts draws what these return.
 */
import type { RunRow } from './api.js';
import { formatValue } from './format.js';
import { FilterError, matches, parseFilter } from './runfilter.js';

/** 'none', a fixed field, or `config:KEY` (any config key). */
export type GroupBy = 'none' | 'group' | 'job_type' | `config:${string}`;
export type SortDirection = 'asc' | 'desc';

/** Fixed columns by key; chosen ones are "config:<key>" and "summary:<key>". */
export const FIXED_COLUMNS: readonly {
  readonly key: string;
  readonly label: string;
}[] = [
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State' },
  { key: 'created', label: 'Created' },
  { key: 'runtime', label: 'Runtime' },
  { key: 'group', label: 'Group' },
  { key: 'job_type', label: 'Job type' },
  { key: 'tags', label: 'Tags' },
  { key: 'user', label: 'User' }
];

export interface ColumnChoice {
  readonly config: readonly string[];
  readonly summary: readonly string[];
  /** Chosen column keys ("config:lr") in the order the user arranged (others follow). */
  readonly order?: readonly string[];
  /** Column keys kept at the left, before the others. */
  readonly pinned?: readonly string[];
}

/** The raw value behind a cell (what sorting compares). */
export function cellValue(row: RunRow, column: string): unknown {
  if (column.startsWith('config:')) {
    return row.config[column.slice(7)];
  }
  if (column.startsWith('summary:')) {
    return row.summary[column.slice(8)];
  }
  switch (column) {
    case 'created':
      return row.created_at;
    case 'tags':
      return row.tags.join(', ');
    default:
      return (row as unknown as Record<string, unknown>)[column];
  }
}

function rank(value: unknown): number {
  if (value === null || value === undefined || value === '') {
    return 3;
  }
  if (typeof value === 'number') {
    return Number.isNaN(value) ? 3 : 0;
  }
  if (typeof value === 'boolean') {
    return 1;
  }
  return 2;
}

/** Ordering of cell values: numbers, then booleans, then text (natural order); empty last. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra === 3) {
    return ra - rb;
  }
  if (ra === 0) {
    return (a as number) - (b as number);
  }
  if (ra === 1) {
    return Number(a) - Number(b);
  }
  return formatValue(a).localeCompare(formatValue(b), undefined, {
    numeric: true,
    sensitivity: 'base'
  });
}

/** Rows sorted by a column (stable; empty cells stay last in both directions). */
export function sortRuns(
  rows: readonly RunRow[],
  column: string,
  direction: SortDirection
): RunRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: cellValue(row, column) }))
    .sort((a, b) => {
      const empty = Number(rank(a.value) === 3) - Number(rank(b.value) === 3);
      return (
        empty || sign * compareValues(a.value, b.value) || a.index - b.index
      );
    })
    .map(entry => entry.row);
}

/** Text a filter looks through: name, id, state, user, tags, group, job type, config values. */
export function searchText(row: RunRow): string {
  const parts = [
    row.name,
    row.id,
    row.state,
    row.user ?? '',
    row.group ?? '',
    row.job_type ?? '',
    ...row.tags
  ];
  for (const value of Object.values(row.config)) {
    parts.push(formatValue(value));
  }
  return parts.join('\n').toLowerCase();
}

/** Rows matching every whitespace-separated term of `query` (case-insensitive). */
function filterByTerms(rows: readonly RunRow[], query: string): RunRow[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) {
    return [...rows];
  }
  return rows.filter(row => {
    const text = searchText(row);
    return terms.every(term => text.includes(term));
  });
}

/** Why a filter expression cannot be read, or null when it can. */
export function filterError(query: string): string | null {
  try {
    parseFilter(query);
    return null;
  } catch (error) {
    return error instanceof FilterError ? error.message : String(error);
  }
}

/**
 * Rows matching a filter expression (see runfilter.ts: `lr=0.01 and tags:best`); plain
 * words search the row's text. An unreadable expression falls back to that word search.
 */
export function filterRuns(rows: readonly RunRow[], query: string): RunRow[] {
  let tree;
  try {
    tree = parseFilter(query);
  } catch {
    return filterByTerms(rows, query);
  }
  if (!tree) {
    return [...rows];
  }
  const node = tree;
  return rows.filter(row => {
    let text: string | null = null;
    return matches(node, row, () => (text ??= searchText(row)));
  });
}

/** Runs as CSV: one row per run, the given columns' raw values (lists joined by ", "). */
export function runsCsv(
  rows: readonly RunRow[],
  columns: readonly { readonly key: string; readonly label: string }[]
): string {
  const quote = (value: string): string =>
    /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  const cell = (row: RunRow, key: string): string => {
    const value = key === 'created' ? row.created_at : cellValue(row, key);
    if (value === null || value === undefined) {
      return '';
    }
    return typeof value === 'number' ? String(value) : formatValue(value);
  };
  const lines = [
    ['id', ...columns.map(c => c.label)].map(quote).join(','),
    ...rows.map(row =>
      [row.id, ...columns.map(c => cell(row, c.key))].map(quote).join(',')
    )
  ];
  return `${lines.join('\n')}\n`;
}

export interface RunGroup {
  /** null for runs without a group (or job type). */
  readonly key: string | null;
  readonly rows: readonly RunRow[];
}

/** The group a row falls in under `by` (null: none). */
export function groupKey(
  row: RunRow,
  by: Exclude<GroupBy, 'none'>
): string | null {
  if (by.startsWith('config:')) {
    const value = row.config[by.slice(7)];
    return value === undefined || value === null ? null : formatValue(value);
  }
  return row[by as 'group' | 'job_type'] || null;
}

/** Rows grouped by group, job type or a config key; groups in natural order, the ungrouped last. */
export function groupRuns(
  rows: readonly RunRow[],
  by: Exclude<GroupBy, 'none'>
): RunGroup[] {
  const groups = new Map<string | null, RunRow[]>();
  for (const row of rows) {
    const key = groupKey(row, by);
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) =>
      a === null
        ? 1
        : b === null
          ? -1
          : a.localeCompare(b, undefined, { numeric: true })
    )
    .map(([key, list]) => ({ key, rows: list }));
}

/** Config keys whose values differ between the rows (the hyperparameters being explored). */
export function varyingConfigKeys(
  rows: readonly RunRow[],
  configKeys: readonly string[]
): string[] {
  return configKeys.filter(key => {
    const seen = new Set(
      rows.map(row => JSON.stringify(row.config[key] ?? null))
    );
    return seen.size > 1;
  });
}

/**
 * Default chosen columns: the config keys that vary across `rows` (up to 8; the first two
 * keys when none varies or no rows are given) and the first few summary metrics.
 */
export function defaultColumns(
  configKeys: readonly string[],
  summaryKeys: readonly string[],
  rows: readonly RunRow[] = []
): ColumnChoice {
  const varying = rows.length > 1 ? varyingConfigKeys(rows, configKeys) : [];
  return {
    config: varying.length ? varying.slice(0, 8) : configKeys.slice(0, 2),
    summary: summaryKeys.slice(0, 3)
  };
}

/**
 * The chosen columns in display order: pinned first, then the user's order, then the
 * rest (config before summary, in choice order).
 */
export function orderedColumns(choice: ColumnChoice): string[] {
  const chosen = [
    ...choice.config.map(key => `config:${key}`),
    ...choice.summary.map(key => `summary:${key}`)
  ];
  const order = (choice.order ?? []).filter(key => chosen.includes(key));
  const rest = chosen.filter(key => !order.includes(key));
  const all = [...order, ...rest];
  const pinned = all.filter(key => choice.pinned?.includes(key));
  return [...pinned, ...all.filter(key => !pinned.includes(key))];
}

/** `key` moved one place left (-1) or right (+1) among the chosen columns. */
export function moveColumn(
  choice: ColumnChoice,
  key: string,
  by: -1 | 1
): ColumnChoice {
  const order = orderedColumns(choice);
  const at = order.indexOf(key);
  const to = at + by;
  if (at < 0 || to < 0 || to >= order.length) {
    return choice;
  }
  [order[at], order[to]] = [order[to], order[at]];
  return { ...choice, order };
}

/** `key` pinned (kept left) or unpinned. */
export function togglePin(choice: ColumnChoice, key: string): ColumnChoice {
  const pinned = choice.pinned ?? [];
  return {
    ...choice,
    pinned: pinned.includes(key)
      ? pinned.filter(k => k !== key)
      : [...pinned, key]
  };
}

export function columnsStorageKey(entity: string, project: string): string {
  return `wandb-dashboard:columns:${entity}/${project}`;
}

/** The remembered column choice of a project, or null when none (or unreadable). */
export function loadColumns(
  storage: Pick<Storage, 'getItem'> | null,
  entity: string,
  project: string
): ColumnChoice | null {
  try {
    const raw = storage?.getItem(columnsStorageKey(entity, project));
    const parsed = raw ? (JSON.parse(raw) as Partial<ColumnChoice>) : null;
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter(x => typeof x === 'string') : [];
    if (!parsed) {
      return null;
    }
    const choice: ColumnChoice = {
      config: strings(parsed.config),
      summary: strings(parsed.summary)
    };
    return {
      ...choice,
      ...(parsed.order ? { order: strings(parsed.order) } : {}),
      ...(parsed.pinned ? { pinned: strings(parsed.pinned) } : {})
    };
  } catch {
    return null;
  }
}

export function saveColumns(
  storage: Pick<Storage, 'setItem'> | null,
  entity: string,
  project: string,
  choice: ColumnChoice
): void {
  try {
    storage?.setItem(
      columnsStorageKey(entity, project),
      JSON.stringify(choice)
    );
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
}
