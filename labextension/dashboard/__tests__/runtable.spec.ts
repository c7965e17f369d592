import type { RunRow } from '../src/api';
import {
  cellValue,
  columnsStorageKey,
  compareValues,
  defaultColumns,
  filterRuns,
  groupRuns,
  loadColumns,
  saveColumns,
  sortRuns
} from '../src/runtable';

function run(id: string, fields: Partial<RunRow> = {}): RunRow {
  return {
    id,
    name: id,
    state: 'finished',
    created_at: 0,
    heartbeat_at: 0,
    runtime: 1,
    group: null,
    job_type: null,
    tags: [],
    user: 'me',
    config: {},
    summary: {},
    ...fields
  };
}

const rows = [
  run('a', {
    name: 'alpha',
    created_at: 3,
    group: 'sweep-1',
    job_type: 'train',
    tags: ['baseline'],
    config: { lr: 0.1, opt: 'adam' },
    summary: { loss: 0.5 }
  }),
  run('b', {
    name: 'beta',
    created_at: 1,
    group: 'sweep-2',
    job_type: 'eval',
    config: { lr: 0.01, opt: 'sgd' },
    summary: { loss: 0.2 }
  }),
  run('c', {
    name: 'gamma-10',
    created_at: 2,
    group: 'sweep-1',
    job_type: 'train',
    tags: ['final'],
    config: { lr: 1 },
    summary: {}
  }),
  run('d', {
    name: 'gamma-9',
    created_at: 4,
    config: {},
    summary: { loss: 'n/a' }
  })
];
const ids = (list: RunRow[]): string[] => list.map(r => r.id);

describe('sorting', () => {
  it('orders numbers, then booleans, then text naturally', () => {
    expect(compareValues(2, 10)).toBeLessThan(0);
    expect(compareValues('run-2', 'run-10')).toBeLessThan(0);
    expect(compareValues(5, 'text')).toBeLessThan(0);
    expect(compareValues(false, true)).toBeLessThan(0);
  });

  it('sorts by fixed, config and summary columns, empty cells last both ways', () => {
    expect(ids(sortRuns(rows, 'created', 'desc'))).toEqual([
      'd',
      'a',
      'c',
      'b'
    ]);
    expect(ids(sortRuns(rows, 'name', 'asc'))).toEqual(['a', 'b', 'd', 'c']);
    expect(ids(sortRuns(rows, 'config:lr', 'asc'))).toEqual([
      'b',
      'a',
      'c',
      'd'
    ]);
    expect(ids(sortRuns(rows, 'config:lr', 'desc'))).toEqual([
      'c',
      'a',
      'b',
      'd'
    ]);
    expect(ids(sortRuns(rows, 'summary:loss', 'asc'))).toEqual([
      'b',
      'a',
      'd',
      'c'
    ]);
  });

  it('reads cell values by column key', () => {
    expect(cellValue(rows[0], 'tags')).toBe('baseline');
    expect(cellValue(rows[0], 'config:opt')).toBe('adam');
    expect(cellValue(rows[0], 'summary:loss')).toBe(0.5);
    expect(cellValue(rows[0], 'job_type')).toBe('train');
  });
});

describe('filterRuns', () => {
  it('matches every term against name, tags, group, job type and config values', () => {
    expect(ids(filterRuns(rows, 'gamma'))).toEqual(['c', 'd']);
    expect(ids(filterRuns(rows, 'FINAL'))).toEqual(['c']);
    expect(ids(filterRuns(rows, 'sweep-1 train'))).toEqual(['a', 'c']);
    expect(ids(filterRuns(rows, 'eval'))).toEqual(['b']);
    expect(ids(filterRuns(rows, 'sgd'))).toEqual(['b']);
    expect(ids(filterRuns(rows, '0.01'))).toEqual(['b']);
    expect(ids(filterRuns(rows, '  '))).toEqual(['a', 'b', 'c', 'd']);
    expect(filterRuns(rows, 'nothing-like-this')).toEqual([]);
  });
});

describe('groupRuns', () => {
  it('groups by group or job type, ungrouped last, row order kept', () => {
    expect(
      groupRuns(rows, 'group').map(g => [g.key, ids([...g.rows])])
    ).toEqual([
      ['sweep-1', ['a', 'c']],
      ['sweep-2', ['b']],
      [null, ['d']]
    ]);
    expect(groupRuns(rows, 'job_type').map(g => g.key)).toEqual([
      'eval',
      'train',
      null
    ]);
  });
});

describe('column choice', () => {
  it('defaults to a few summary and config keys', () => {
    expect(defaultColumns(['a', 'b', 'c'], ['x', 'y', 'z', 'w'])).toEqual({
      config: ['a', 'b'],
      summary: ['x', 'y', 'z']
    });
  });

  it('is remembered per project and survives broken storage', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v)
    };
    expect(loadColumns(storage, 'e', 'p')).toBeNull();
    saveColumns(storage, 'e', 'p', { config: ['lr'], summary: ['loss'] });
    expect(loadColumns(storage, 'e', 'p')).toEqual({
      config: ['lr'],
      summary: ['loss']
    });
    expect(loadColumns(storage, 'e', 'other')).toBeNull();
    store.set(columnsStorageKey('e', 'bad'), '{not json');
    expect(loadColumns(storage, 'e', 'bad')).toBeNull();
    store.set(
      columnsStorageKey('e', 'odd'),
      '{"config": [1, "lr"], "summary": "loss"}'
    );
    expect(loadColumns(storage, 'e', 'odd')).toEqual({
      config: ['lr'],
      summary: []
    });
    const throwing = {
      setItem: () => {
        throw new Error('quota');
      }
    };
    expect(() =>
      saveColumns(throwing, 'e', 'p', { config: [], summary: [] })
    ).not.toThrow();
  });
});
