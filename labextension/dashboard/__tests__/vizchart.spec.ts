import { chartPlan, tableKeyOf } from '../src/vizchart';

const query = (key: string) => ({
  queryFields: [
    {
      name: 'runSets',
      fields: [
        { name: 'id', fields: [] },
        {
          name: 'summaryTable',
          args: [{ name: 'tableKey', value: key }],
          fields: []
        }
      ]
    }
  ]
});

describe('custom chart specs', () => {
  it('reads the table key from the userQuery', () => {
    expect(tableKeyOf({ userQuery: query('loss_table') })).toBe('loss_table');
    expect(tableKeyOf({ userQuery: query('a "q"_table') })).toBe('a "q"_table');
    expect(tableKeyOf({})).toBeNull();
  });

  it('draws line charts as one line per stroke value', () => {
    const plan = chartPlan(
      {
        panelDefId: 'wandb/line/v0',
        fieldSettings: { x: 'step', y: 'loss', stroke: null }
      },
      {
        columns: ['step', 'loss'],
        data: [
          [0, 1],
          [1, 0.5],
          [2, 'x']
        ]
      }
    );
    expect(plan).toEqual({
      kind: 'lines',
      series: [{ name: '', x: [0, 1], y: [1, 0.5] }]
    });
  });

  it('draws line_series and roc curves per key / class', () => {
    const series = chartPlan(
      {
        panelDefId: 'wandb/lineseries/v0',
        fieldSettings: { step: 'step', lineKey: 'lineKey', lineVal: 'lineVal' }
      },
      {
        columns: ['step', 'lineKey', 'lineVal'],
        data: [
          [0, 'a', 1],
          [0, 'b', 2],
          [1, 'a', 3]
        ]
      }
    );
    expect(series).toEqual({
      kind: 'lines',
      series: [
        { name: 'a', x: [0, 1], y: [1, 3] },
        { name: 'b', x: [0], y: [2] }
      ]
    });
    const roc = chartPlan(
      {
        panelDefId: 'wandb/area-under-curve/v0',
        fieldSettings: { x: 'fpr', y: 'tpr', class: 'class' }
      },
      {
        columns: ['class', 'fpr', 'tpr'],
        data: [
          ['0', 0, 0],
          ['1', 0, 0.5],
          ['0', 1, 1]
        ]
      }
    );
    expect(roc.kind === 'lines' && roc.series.map(s => s.name)).toEqual([
      '0',
      '1'
    ]);
  });

  it('draws scatter as points, bar as bars, histogram as binned bars', () => {
    const scatter = chartPlan(
      { panelDefId: 'wandb/scatter/v0', fieldSettings: { x: 'a', y: 'b' } },
      {
        columns: ['a', 'b'],
        data: [
          [1, 2],
          [3, 4]
        ]
      }
    );
    expect(scatter).toEqual({
      kind: 'points',
      series: [{ name: '', x: [1, 3], y: [2, 4] }]
    });
    const bar = chartPlan(
      { panelDefId: 'wandb/bar/v0', fieldSettings: { label: 'l', value: 'v' } },
      {
        columns: ['l', 'v'],
        data: [
          ['x', 1],
          ['y', 2]
        ]
      }
    );
    expect(bar).toEqual({ kind: 'bars', labels: ['x', 'y'], values: [1, 2] });
    const hist = chartPlan(
      { panelDefId: 'wandb/histogram/v0', fieldSettings: { value: 'v' } },
      { columns: ['v'], data: [[0], [10], [10], [5]] }
    );
    expect(hist.kind).toBe('bars');
    if (hist.kind === 'bars') {
      expect(hist.values).toHaveLength(20);
      expect(hist.values.reduce((a, b) => a + b, 0)).toBe(4);
      expect(hist.values[19]).toBe(2);
      expect(hist.labels[0]).toBe('0');
    }
  });

  it('draws a confusion matrix as a grid of counts', () => {
    const plan = chartPlan(
      {
        panelDefId: 'wandb/confusion_matrix/v1',
        fieldSettings: {
          Actual: 'Actual',
          Predicted: 'Predicted',
          nPredictions: 'nPredictions'
        }
      },
      {
        columns: ['Actual', 'Predicted', 'nPredictions'],
        data: [
          ['a', 'a', 3],
          ['a', 'b', 1],
          ['b', 'a', 0],
          ['b', 'b', 2]
        ]
      }
    );
    expect(plan).toEqual({
      kind: 'grid',
      rows: ['a', 'b'],
      cols: ['a', 'b'],
      counts: [
        [3, 1],
        [0, 2]
      ]
    });
  });

  it('leaves unknown specs and missing columns as the table with a note', () => {
    const table = { columns: ['a'], data: [[1]] };
    const unknown = chartPlan({ panelDefId: 'me/custom/v3' }, table);
    expect(unknown.kind).toBe('table');
    const missing = chartPlan(
      { panelDefId: 'wandb/bar/v0', fieldSettings: { label: 'q' } },
      table
    );
    expect(missing).toEqual({
      kind: 'table',
      note: 'wandb/bar/v0: columns not found'
    });
  });
});
