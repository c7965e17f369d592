/**
 * The runs table's model: columns, cell values, filtering, sorting and grouping, plus the
 * remembered column choice. No DOM here; pages/project.ts draws what these return.
 */
import type { RunRow } from './api.js';
import { formatValue } from './format.js';

export type GroupBy = 'none' | 'group' | 'job_type';
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
export function filterRuns(rows: readonly RunRow[], query: string): RunRow[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) {
    return [...rows];
  }
  return rows.filter(row => {
    const text = searchText(row);
    return terms.every(term => text.includes(term));
  });
}

export interface RunGroup {
  /** null for runs without a group (or job type). */
  readonly key: string | null;
  readonly rows: readonly RunRow[];
}

/** Rows grouped by group or job type, groups in name order with the ungrouped last. */
export function groupRuns(
  rows: readonly RunRow[],
  by: Exclude<GroupBy, 'none'>
): RunGroup[] {
  const groups = new Map<string | null, RunRow[]>();
  for (const row of rows) {
    const key = row[by] || null;
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

/** Default chosen columns: the first few summary metrics and config keys. */
export function defaultColumns(
  configKeys: readonly string[],
  summaryKeys: readonly string[]
): ColumnChoice {
  return { config: configKeys.slice(0, 2), summary: summaryKeys.slice(0, 3) };
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
    return parsed
      ? { config: strings(parsed.config), summary: strings(parsed.summary) }
      : null;
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
