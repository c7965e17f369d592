import {
  layoutChart,
  logTicks,
  seriesCsv,
  tickAnchor,
  toAxis
} from '../src/chart';
import { chartMatcher, sectionOf } from '../src/chartgrid';
import { errorTail, firstFailedCell } from '../src/failure';
import { historyPlan } from '../src/history';
import { parseOutput } from '../src/outputlog';
import { groupBand, interpolate } from '../src/series';
import { emaSmooth, runningAverage, smooth } from '../src/smoothing';

describe('smoothing', () => {
  it('debiases the EMA so a constant stays constant from the first point', () => {
    expect(emaSmooth([5, 5, 5], 0.9).map(v => +v.toFixed(9))).toEqual([
      5, 5, 5
    ]);
    const smoothed = emaSmooth([0, 10, 0, 10], 0.5);
    expect(smoothed[0]).toBe(0);
    expect(smoothed[1]).toBeCloseTo(10 * (0.5 / 0.75));
  });

  it('keeps non-finite values where they are and skips them in the average', () => {
    expect(runningAverage([1, NaN, 3, 5], 2)).toEqual([1, NaN, 2, 4]);
  });

  it('is off for no smoothing, zero weight or a window of one', () => {
    expect(smooth([1, 2], { mode: 'none', amount: 0.5 })).toBeNull();
    expect(smooth([1, 2], { mode: 'ema', amount: 0 })).toBeNull();
    expect(smooth([1, 2], { mode: 'average', amount: 1 })).toBeNull();
    expect(smooth([1, 3], { mode: 'average', amount: 2 })).toEqual([1, 2]);
  });
});

describe('log axes', () => {
  it('puts ticks on powers of ten over many decades, adding 2 and 5 over few', () => {
    expect(logTicks(-6, 0).map(t => t.label)).toEqual([
      '1e-6',
      '1e-5',
      '1e-4',
      '0.001',
      '0.01',
      '0.1',
      '1'
    ]);
    expect(logTicks(0, 1).map(t => t.label)).toEqual(['1', '2', '5', '10']);
  });

  it('leaves values <= 0 out of a log axis', () => {
    expect(toAxis(0, true)).toBeNaN();
    const layout = layoutChart({
      width: 400,
      height: 200,
      series: [{ x: [1, 2, 3], y: [0, 10, 1000] }],
      xKind: 'integer',
      scales: { yLog: true }
    });
    expect(layout.lines[0].count).toBe(2);
    expect(layout.yDomain[0]).toBeLessThan(1);
    expect(layout.yDomain[1]).toBeGreaterThan(3);
  });
});

describe('zoom and ticks', () => {
  it('zooms x to a range and fits y to the points inside it', () => {
    const layout = layoutChart({
      width: 400,
      height: 200,
      series: [{ x: [0, 1, 2, 3, 4], y: [100, 1, 2, 3, 100] }],
      xKind: 'integer',
      xRange: [1, 3]
    });
    expect(layout.xDomain).toEqual([1, 3]);
    expect(layout.yDomain[1]).toBeLessThan(4);
  });

  it('anchors tick labels at the edges inwards', () => {
    expect(tickAnchor(398, '12:30', 400)).toBe('end');
    expect(tickAnchor(2, '12:30', 400)).toBe('start');
    expect(tickAnchor(200, '12:30', 400)).toBe('middle');
  });

  it('exports series as CSV, quoting labels that need it', () => {
    expect(
      seriesCsv('_step', [{ label: 'a,b', x: [0, 1], y: [0.5, 0.25] }])
    ).toBe('series,_step,value\n"a,b",0,0.5\n"a,b",1,0.25\n');
  });
});

describe('chart sections and filter', () => {
  it('names sections by the first "/" prefix', () => {
    expect(sectionOf('train/loss')).toBe('train');
    expect(sectionOf('val/a/b')).toBe('val');
    expect(sectionOf('loss')).toBe('');
    expect(sectionOf('/odd')).toBe('');
  });

  it('filters by a case-insensitive regex, or a substring when it is not one', () => {
    expect(chartMatcher('^val/')('VAL/acc')).toBe(true);
    expect(chartMatcher('^val/')('train/val/acc')).toBe(false);
    expect(chartMatcher('loss(')('train/loss(x)')).toBe(true);
    expect(chartMatcher('')('anything')).toBe(true);
  });
});

describe('history plan', () => {
  it('requests each define_metric x once and the rest against the step', () => {
    const plan = historyPlan('auto', ['a', 'v/x', 'v/y', 'epoch'], {
      'v/x': 'epoch',
      'v/y': 'epoch'
    });
    expect([...plan]).toEqual([
      ['_step', ['a', 'epoch']],
      ['epoch', ['v/x', 'v/y']]
    ]);
    expect([...historyPlan('auto', ['a'], {})]).toEqual([['_step', null]]);
    expect([...historyPlan('_runtime', ['a'], { a: 'e' })]).toEqual([
      ['_runtime', null]
    ]);
  });
});

describe('failures', () => {
  it('keeps the output from the last traceback on', () => {
    const lines = parseOutput(
      'step 1\nTraceback (most recent call last):\n  old\nValueError\nok again\n' +
        'Traceback (most recent call last):\n  File "x.py", line 3\nZeroDivisionError: division by zero\n'
    );
    expect(errorTail(lines).map(l => l.text)).toEqual([
      'Traceback (most recent call last):',
      '  File "x.py", line 3',
      'ZeroDivisionError: division by zero'
    ]);
  });

  it('finds the first code cell with an error output', () => {
    expect(
      firstFailedCell([
        { kind: 'markdown', source: '# t' },
        { kind: 'code', source: 'a = 1', count: 1, outputs: [] },
        {
          kind: 'code',
          source: '1/0',
          count: 2,
          outputs: [{ kind: 'text', text: 'ZeroDivisionError', error: true }]
        }
      ])
    ).toEqual({ index: 2, source: '1/0', error: 'ZeroDivisionError' });
  });
});

describe('group bands', () => {
  it('interpolates inside a series only', () => {
    expect(interpolate([0, 10], [0, 100], 5)).toBe(50);
    expect(interpolate([0, 10], [0, 100], 10)).toBe(100);
    expect(interpolate([0, 10], [0, 100], 11)).toBeNaN();
  });

  it('draws the mean of a group with its min and max', () => {
    const band = groupBand('g', '#000', [
      { x: [0, 1, 2], y: [1, 2, 3] },
      { x: [0, 1], y: [3, 4] }
    ]);
    expect(band.x).toEqual([0, 1, 2]);
    expect(band.y).toEqual([2, 3, 3]);
    expect(band.lo).toEqual([1, 2, 3]);
    expect(band.hi).toEqual([3, 4, 3]);
  });
});

describe('wall time', () => {
  it('spans at least two seconds, so sub-second runs get distinct tick labels', () => {
    const t0 = 1_700_000_000.4;
    const layout = layoutChart({
      width: 384,
      height: 200,
      series: [{ x: [t0, t0 + 0.004], y: [1, 2] }],
      xKind: 'time'
    });
    const labels = layout.xTicks.map(t => t.label);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
