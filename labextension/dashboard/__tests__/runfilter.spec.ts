import type { RunRow } from '../src/api';
import { FilterError, parseFilter } from '../src/runfilter';
import {
  ColumnChoice,
  defaultColumns,
  filterError,
  filterRuns,
  groupRuns,
  moveColumn,
  orderedColumns,
  runsCsv,
  togglePin
} from '../src/runtable';

function run(
  id: string,
  config: Record<string, unknown>,
  summary: Record<string, unknown>,
  extra: Partial<RunRow> = {}
): RunRow {
  return {
    id,
    name: `run-${id}`,
    state: 'finished',
    created_at: null,
    heartbeat_at: null,
    runtime: null,
    group: null,
    job_type: null,
    tags: [],
    user: null,
    config,
    summary,
    ...extra
  };
}

const rows: RunRow[] = [
  run(
    'a',
    { lr: 0.01, opt: 'adam' },
    { 'val/acc': 0.95, loss: 0.1 },
    { tags: ['best'] }
  ),
  run(
    'b',
    { lr: 0.1, opt: 'sgd' },
    { 'val/acc': 0.5, loss: 1 },
    { state: 'failed' }
  ),
  run(
    'c',
    { lr: 0.001, opt: 'adam' },
    { 'val/acc': 0.91 },
    { tags: ['keep', 'best'] }
  ),
  run('d', { lr: 0.01, opt: 'Adam W' }, {}, { state: 'crashed', group: 'g1' })
];
const ids = (list: RunRow[]): string[] => list.map(r => r.id);

describe('filter expressions', () => {
  it('compares config and summary values as numbers', () => {
    expect(ids(filterRuns(rows, 'lr=0.01'))).toEqual(['a', 'd']);
    expect(ids(filterRuns(rows, 'lr = 1e-2'))).toEqual(['a', 'd']);
    expect(ids(filterRuns(rows, 'val/acc>0.9'))).toEqual(['a', 'c']);
    expect(ids(filterRuns(rows, 'summary.val/acc<=0.5'))).toEqual(['b']);
    expect(ids(filterRuns(rows, 'config.lr!=0.01'))).toEqual(['b', 'c']);
    expect(ids(filterRuns(rows, 'loss>=0.5'))).toEqual(['b']);
  });

  it('matches tags, states and text fields without case', () => {
    expect(ids(filterRuns(rows, 'tags:best'))).toEqual(['a', 'c']);
    expect(ids(filterRuns(rows, 'state:failed'))).toEqual(['b']);
    expect(ids(filterRuns(rows, 'opt=ADAM'))).toEqual(['a', 'c']);
    expect(ids(filterRuns(rows, 'opt="adam w"'))).toEqual(['d']);
    expect(ids(filterRuns(rows, 'name~run-c'))).toEqual(['c']);
    expect(ids(filterRuns(rows, 'group:g1'))).toEqual(['d']);
  });

  it('combines terms with and, or, not and parentheses', () => {
    expect(ids(filterRuns(rows, 'lr=0.01 and tags:best'))).toEqual(['a']);
    expect(ids(filterRuns(rows, 'lr=0.01 tags:best'))).toEqual(['a']);
    expect(ids(filterRuns(rows, 'state:failed or state:crashed'))).toEqual([
      'b',
      'd'
    ]);
    expect(
      ids(filterRuns(rows, 'opt=adam and (val/acc>0.92 or tags:keep)'))
    ).toEqual(['a', 'c']);
    expect(ids(filterRuns(rows, 'not tags:best'))).toEqual(['b', 'd']);
    expect(ids(filterRuns(rows, 'OR' + ' x'))).toEqual([]);
  });

  it('searches text for plain words and reports bad syntax', () => {
    expect(ids(filterRuns(rows, 'sgd'))).toEqual(['b']);
    expect(filterError('lr=0.01 and (tags:best')).toBe('missing )');
    expect(filterError('lr=')).toMatch(/value is missing/);
    expect(filterError('>3')).toMatch(/key is missing/);
    expect(filterError('lr=0.01 or')).toMatch(/ends too early/);
    expect(filterError('lr=0.01')).toBeNull();
    expect(() => parseFilter('"open')).toThrow(FilterError);
    // unreadable: falls back to the plain word search
    expect(ids(filterRuns(rows, '(sgd'))).toEqual([]);
  });
});

describe('columns', () => {
  it('default to the config keys that vary across runs', () => {
    expect(
      defaultColumns(
        ['lr', 'opt', 'seed'],
        ['loss'],
        [
          run('x', { lr: 1, opt: 'a', seed: 0 }, {}),
          run('y', { lr: 2, opt: 'a', seed: 0 }, {})
        ]
      )
    ).toEqual({ config: ['lr'], summary: ['loss'] });
  });

  it('are reordered and pinned', () => {
    let choice: ColumnChoice = { config: ['lr', 'opt'], summary: ['loss'] };
    expect(orderedColumns(choice)).toEqual([
      'config:lr',
      'config:opt',
      'summary:loss'
    ]);
    choice = moveColumn(choice, 'summary:loss', -1);
    expect(orderedColumns(choice)).toEqual([
      'config:lr',
      'summary:loss',
      'config:opt'
    ]);
    choice = togglePin(choice, 'config:opt');
    expect(orderedColumns(choice)).toEqual([
      'config:opt',
      'config:lr',
      'summary:loss'
    ]);
    choice = togglePin(choice, 'config:opt');
    expect(orderedColumns(choice)[0]).toBe('config:lr');
  });

  it('export what is shown as CSV', () => {
    expect(
      runsCsv(rows.slice(0, 2), [
        { key: 'name', label: 'Name' },
        { key: 'config:opt', label: 'opt' },
        { key: 'summary:val/acc', label: 'val/acc' },
        { key: 'tags', label: 'Tags' }
      ])
    ).toBe(
      'id,Name,opt,val/acc,Tags\na,run-a,adam,0.95,best\nb,run-b,sgd,0.5,\n'
    );
  });

  it('group by a config key', () => {
    expect(
      groupRuns(rows, 'config:opt').map(g => [g.key, ids([...g.rows])])
    ).toEqual([
      ['adam', ['a', 'c']],
      ['Adam W', ['d']],
      ['sgd', ['b']]
    ]);
  });
});
