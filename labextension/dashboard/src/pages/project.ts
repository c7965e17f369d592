/**
 * A project's runs table: fixed columns plus chosen config/summary columns (remembered per
 * project), sorting by header click, a text filter, grouping by group or job type with
 * collapsible group rows, and run selection for the comparison view. Refreshes every 5 s
 * while some run is live.
 */
import type { RunRow, RunsAnswer } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { formatDate, formatDuration, formatValue } from '../format.js';
import { Poller } from '../live.js';
import { download } from '../chartview.js';
import {
  ColumnChoice,
  cellValue,
  FIXED_COLUMNS,
  GroupBy,
  SortDirection,
  defaultColumns,
  filterError,
  filterRuns,
  groupRuns,
  loadColumns,
  moveColumn,
  orderedColumns,
  runsCsv,
  saveColumns,
  sortRuns,
  togglePin
} from '../runtable.js';
import { hparamsView } from './hparams.js';
import { PageContext, breadcrumbs, stateBadge } from './common.js';
import { compareView } from './compare.js';
import { sweepsList } from './sweep.js';

type ProjectRoute = {
  entity: string;
  project: string;
  compare: readonly string[];
};

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** How the user left a project's table, kept while the app runs (back from a run, compare). */
interface TableView {
  sortColumn: string;
  sortDirection: SortDirection;
  filter: string;
  groupBy: GroupBy;
  readonly collapsed: Set<string>;
}

const views = new Map<string, TableView>();

function viewOf(entity: string, project: string): TableView {
  const key = JSON.stringify([entity, project]);
  let view = views.get(key);
  if (!view) {
    view = {
      sortColumn: 'created',
      sortDirection: 'desc',
      filter: '',
      groupBy: 'none',
      collapsed: new Set()
    };
    views.set(key, view);
  }
  return view;
}

export class RunsTable {
  private data: RunsAnswer;
  private choice: ColumnChoice;
  private readonly view: TableView;
  readonly selected: Set<string>;
  readonly element: HTMLElement;
  private readonly table = el('table', {
    class: 'grid runs',
    'data-testid': 'runs'
  });
  private readonly picker = el('div', { class: 'picker-body' });
  private readonly compareLink: HTMLAnchorElement;
  private readonly count = el('span', { class: 'muted' });
  private readonly filterProblem = el('p', {
    class: 'filter-error',
    'data-testid': 'filter-error',
    hidden: true
  });

  constructor(
    private readonly ctx: PageContext,
    private readonly route: ProjectRoute,
    data: RunsAnswer
  ) {
    this.data = data;
    this.choice =
      loadColumns(storage(), route.entity, route.project) ??
      defaultColumns(data.config_keys, data.summary_keys, data.runs);
    this.selected = new Set(route.compare);
    this.view = viewOf(route.entity, route.project);
    const filter = el('input', {
      type: 'search',
      value: this.view.filter,
      placeholder: 'Filter: lr=0.01 and tags:best, val/acc>0.9, state:failed',
      title:
        'Compare config, summary or run fields (= != > >= < <= : ~), combine with and / or / not and parentheses; plain words search the text',
      'aria-label': 'Filter runs',
      class: 'filter',
      'data-testid': 'filter'
    });
    filter.addEventListener('input', () => {
      this.view.filter = filter.value;
      this.showFilterError();
      this.drawBody();
    });
    const group = el(
      'select',
      { 'data-testid': 'group-by' },
      el('option', { value: 'none' }, 'No grouping'),
      el('option', { value: 'group' }, 'Group'),
      el('option', { value: 'job_type' }, 'Job type'),
      data.config_keys.length
        ? el(
            'optgroup',
            { label: 'Config' },
            ...data.config_keys.map(key =>
              el('option', { value: `config:${key}` }, key)
            )
          )
        : null
    );
    group.value = this.view.groupBy;
    group.addEventListener('change', () => {
      this.view.groupBy = group.value as GroupBy;
      this.drawBody();
    });
    this.compareLink = el(
      'a',
      { class: 'button', 'data-nav': true, 'data-testid': 'compare-button' },
      'Compare'
    );
    this.element = el(
      'div',
      {},
      el(
        'div',
        { class: 'toolbar' },
        filter,
        el('label', { class: 'control' }, 'Group by ', group),
        el(
          'details',
          { class: 'picker' },
          el('summary', {}, 'Columns'),
          this.picker
        ),
        this.compareLink,
        this.csvButton(),
        this.count
      ),
      this.filterProblem,
      el('div', { class: 'table-scroll' }, this.table)
    );
    this.showFilterError();
    this.drawPicker();
    this.draw();
  }

  /** New rows from a refresh; the view's state (sort, filter, selection, columns) stays. */
  setData(data: RunsAnswer): void {
    this.data = data;
    this.drawPicker();
    this.draw();
  }

  /** Name, the pinned chosen columns, the other fixed ones, the other chosen ones. */
  columns(): { key: string; label: string }[] {
    const chosen = orderedColumns(this.choice).map(key => ({
      key,
      label: key.slice(key.indexOf(':') + 1)
    }));
    const pinned = this.choice.pinned ?? [];
    return [
      FIXED_COLUMNS[0],
      ...chosen.filter(c => pinned.includes(c.key)),
      ...FIXED_COLUMNS.slice(1),
      ...chosen.filter(c => !pinned.includes(c.key))
    ];
  }

  private showFilterError(): void {
    const problem = filterError(this.view.filter);
    this.filterProblem.hidden = !problem;
    this.filterProblem.textContent = problem
      ? `Filter not understood (${problem}); searching the words instead.`
      : '';
  }

  private csvButton(): HTMLElement {
    const button = el(
      'button',
      { type: 'button', 'data-testid': 'export-csv' },
      'CSV'
    );
    button.title = 'Download the shown runs and columns as CSV';
    button.addEventListener('click', () =>
      download(
        `${this.route.project}-runs.csv`,
        new Blob([runsCsv(this.visibleRows(), this.columns())], {
          type: 'text/csv'
        })
      )
    );
    return button;
  }

  private setChoice(choice: ColumnChoice): void {
    this.choice = choice;
    saveColumns(storage(), this.route.entity, this.route.project, choice);
    this.draw();
  }

  /** Called whenever the shown rows or columns change (the parameter views follow). */
  onChange: (() => void) | null = null;

  get answer(): RunsAnswer {
    return this.data;
  }

  get chosen(): ColumnChoice {
    return this.choice;
  }

  get rows(): readonly RunRow[] {
    return this.visibleRows();
  }

  private draw(): void {
    this.drawHead();
    this.drawBody();
  }

  private drawPicker(): void {
    const list = (
      kind: 'config' | 'summary',
      keys: readonly string[]
    ): HTMLElement =>
      el(
        'fieldset',
        {},
        el('legend', {}, kind === 'config' ? 'Config' : 'Summary'),
        ...(keys.length ? keys : ['(none)']).map(key => {
          if (!keys.length) {
            return el('span', { class: 'muted' }, key);
          }
          const box = el('input', {
            type: 'checkbox',
            checked: this.choice[kind].includes(key),
            'data-column': `${kind}:${key}`
          });
          box.addEventListener('change', () => {
            const chosen = this.choice[kind].filter(k => k !== key);
            if (box.checked) {
              chosen.push(key);
            }
            this.setChoice({ ...this.choice, [kind]: chosen });
          });
          return el('label', { class: 'check' }, box, key);
        })
      );
    replaceChildren(
      this.picker,
      list('config', this.data.config_keys),
      list('summary', this.data.summary_keys)
    );
  }

  private drawHead(): void {
    const all = el('input', {
      type: 'checkbox',
      'aria-label': 'Select all shown runs',
      'data-testid': 'select-all'
    });
    all.addEventListener('change', () => {
      for (const row of this.visibleRows()) {
        if (all.checked) {
          this.selected.add(row.id);
        } else {
          this.selected.delete(row.id);
        }
      }
      this.drawBody();
    });
    const headers = this.columns().map(column => {
      const sorted = this.view.sortColumn === column.key;
      const button = el(
        'button',
        { type: 'button', class: 'sort', title: `Sort by ${column.label}` },
        column.label,
        sorted ? (this.view.sortDirection === 'asc' ? ' ▲' : ' ▼') : ''
      );
      button.addEventListener('click', () => {
        if (this.view.sortColumn === column.key) {
          this.view.sortDirection =
            this.view.sortDirection === 'asc' ? 'desc' : 'asc';
        } else {
          this.view.sortColumn = column.key;
          this.view.sortDirection = column.key === 'created' ? 'desc' : 'asc';
        }
        this.draw();
      });
      const kind = column.key.startsWith('config:')
        ? 'config'
        : column.key.startsWith('summary:')
          ? 'summary'
          : null;
      return el(
        'th',
        {
          'data-column': column.key,
          class: kind ? `col-${kind}` : null,
          'aria-sort': sorted
            ? this.view.sortDirection === 'asc'
              ? 'ascending'
              : 'descending'
            : null
        },
        kind ? el('span', { class: 'col-kind' }, kind) : null,
        button,
        kind ? this.columnTools(column.key) : null
      );
    });
    replaceChildren(
      this.table,
      el(
        'thead',
        {},
        el('tr', {}, el('th', { class: 'select' }, all), ...headers)
      ),
      el('tbody')
    );
  }

  /** Move left/right and pin buttons of a chosen column's header. */
  private columnTools(key: string): HTMLElement {
    const pinned = (this.choice.pinned ?? []).includes(key);
    const tool = (
      label: string,
      title: string,
      testid: string,
      action: () => ColumnChoice
    ) => {
      const button = el(
        'button',
        {
          type: 'button',
          class: 'col-tool',
          title,
          'aria-label': title,
          'data-testid': testid
        },
        label
      );
      button.addEventListener('click', event => {
        event.stopPropagation();
        this.setChoice(action());
      });
      return button;
    };
    return el(
      'span',
      { class: 'col-tools' },
      tool('◀', 'Move left', 'move-left', () =>
        moveColumn(this.choice, key, -1)
      ),
      tool('▶', 'Move right', 'move-right', () =>
        moveColumn(this.choice, key, 1)
      ),
      tool(pinned ? '📌' : '📍', pinned ? 'Unpin' : 'Pin', 'pin', () =>
        togglePin(this.choice, key)
      )
    );
  }

  private visibleRows(): RunRow[] {
    return sortRuns(
      filterRuns(this.data.runs, this.view.filter),
      this.view.sortColumn,
      this.view.sortDirection
    );
  }

  private cell(row: RunRow, key: string): HTMLElement {
    const { entity, project } = this.route;
    switch (key) {
      case 'name':
        return el(
          'td',
          { class: 'name' },
          this.ctx.link(
            { page: 'run', entity, project, runId: row.id },
            row.name
          )
        );
      case 'state':
        return el('td', {}, stateBadge(row.state));
      case 'created':
        return el(
          'td',
          { title: formatDate(row.created_at, true) },
          formatDate(row.created_at)
        );
      case 'runtime':
        return el(
          'td',
          { class: 'num' },
          row.runtime === null ? '' : formatDuration(row.runtime)
        );
      case 'tags':
        return el(
          'td',
          {},
          ...row.tags.map(tag => el('span', { class: 'tag' }, tag))
        );
      default: {
        const chosen = key.startsWith('config:') || key.startsWith('summary:');
        const value = cellValue(row, key);
        const text =
          chosen || (value !== null && value !== undefined)
            ? formatValue(value)
            : '';
        return el(
          'td',
          {
            class: typeof value === 'number' ? 'num' : '',
            title: text.length > 40 ? text : null
          },
          text
        );
      }
    }
  }

  private runRow(row: RunRow): HTMLElement {
    const box = el('input', {
      type: 'checkbox',
      checked: this.selected.has(row.id),
      'aria-label': `Select ${row.name}`
    });
    box.addEventListener('change', () => {
      if (box.checked) {
        this.selected.add(row.id);
      } else {
        this.selected.delete(row.id);
      }
      this.drawCompareLink();
    });
    return el(
      'tr',
      {
        'data-testid': 'run-row',
        'data-run-id': row.id,
        'data-state': row.state
      },
      el('td', { class: 'select' }, box),
      ...this.columns().map(column => this.cell(row, column.key))
    );
  }

  private groupRow(
    key: string | null,
    count: number,
    width: number
  ): HTMLElement {
    const id = key ?? '\u0000none';
    const open = !this.view.collapsed.has(id);
    const toggle = el(
      'button',
      { type: 'button', class: 'group-toggle', 'aria-expanded': String(open) },
      open ? '▾ ' : '▸ ',
      key ??
        `(no ${this.view.groupBy === 'group' ? 'group' : this.view.groupBy === 'job_type' ? 'job type' : this.view.groupBy.slice(7)})`,
      el('span', { class: 'muted' }, ` ${count} run${count === 1 ? '' : 's'}`)
    );
    toggle.addEventListener('click', () => {
      if (open) {
        this.view.collapsed.add(id);
      } else {
        this.view.collapsed.delete(id);
      }
      this.drawBody();
    });
    return el(
      'tr',
      {
        class: 'group-row',
        'data-testid': 'group-row',
        'data-group': key ?? ''
      },
      el('td', { colspan: width }, toggle)
    );
  }

  private drawBody(): void {
    const rows = this.visibleRows();
    const width = this.columns().length + 1;
    const body: HTMLElement[] = [];
    if (this.view.groupBy === 'none') {
      body.push(...rows.map(row => this.runRow(row)));
    } else {
      for (const group of groupRuns(rows, this.view.groupBy)) {
        body.push(this.groupRow(group.key, group.rows.length, width));
        if (!this.view.collapsed.has(group.key ?? '\u0000none')) {
          body.push(...group.rows.map(row => this.runRow(row)));
        }
      }
    }
    if (!rows.length) {
      body.push(
        el(
          'tr',
          {},
          el(
            'td',
            { colspan: width, class: 'empty' },
            this.data.runs.length
              ? 'No run matches the filter.'
              : 'No runs yet.'
          )
        )
      );
    }
    const tbody = this.table.querySelector('tbody');
    if (tbody) {
      replaceChildren(tbody, ...body);
    }
    this.count.textContent = `${rows.length} of ${this.data.runs.length} runs`;
    this.drawCompareLink();
    this.onChange?.();
  }

  private drawCompareLink(): void {
    const ids = this.data.runs
      .map(row => row.id)
      .filter(id => this.selected.has(id));
    const { entity, project } = this.route;
    this.compareLink.textContent = ids.length
      ? `Compare ${ids.length}`
      : 'Compare';
    if (ids.length) {
      this.compareLink.setAttribute(
        'href',
        this.ctx.href({ page: 'project', entity, project, compare: ids })
      );
      this.compareLink.removeAttribute('aria-disabled');
    } else {
      this.compareLink.removeAttribute('href');
      this.compareLink.setAttribute('aria-disabled', 'true');
    }
  }
}

export async function renderProject(
  ctx: PageContext,
  route: ProjectRoute
): Promise<void> {
  const { entity, project } = route;
  document.title = `${project} · wandb-jupyter`;
  const data = await ctx.api.runs(entity, project);
  if (!ctx.alive) {
    return;
  }
  const table = new RunsTable(ctx, route, data);
  replaceChildren(
    ctx.root,
    breadcrumbs(ctx, entity, project),
    el(
      'main',
      { class: 'page' },
      el('h1', {}, project, el('span', { class: 'muted' }, ` ${entity}`)),
      route.compare.length
        ? compareView(ctx, entity, project, route.compare, data.runs)
        : null,
      el(
        'section',
        { class: 'section', id: 'runs' },
        el('h2', {}, 'Runs'),
        table.element
      ),
      hparamsView(table),
      sweepsList(ctx, entity, project)
    )
  );
  const poller = new Poller(async () => {
    const fresh = await ctx.api.runs(entity, project);
    if (!ctx.alive) {
      return false;
    }
    table.setData(fresh);
    return fresh.runs.some(row => row.state === 'running');
  }, 5000);
  if (data.runs.some(row => row.state === 'running')) {
    poller.start();
    ctx.onDispose(() => poller.stop());
  }
}
