import { parseRoute, routePath } from '../src/router';
import {
  SweepDetail,
  parallelPlot,
  progressText,
  sweepLive
} from '../src/sweep';

function sweep(overrides: Partial<SweepDetail> = {}): SweepDetail {
  return {
    id: 'abc123xy',
    state: 'RUNNING',
    method: 'grid',
    metric: { name: 'loss', goal: 'minimize' },
    parameters: ['lr', 'opt'],
    total: 4,
    counts: { finished: 2, running: 1 },
    best: { run_id: 'r1', value: 0.1, params: { lr: 0.01, opt: 'adam' } },
    created_at: 0,
    trials: [
      {
        number: 1,
        run_id: 'r1',
        name: 'a',
        state: 'finished',
        value: 0.1,
        params: { lr: 0.01, opt: 'adam' },
        url: '/x'
      },
      {
        number: 2,
        run_id: 'r2',
        name: 'b',
        state: 'finished',
        value: 0.9,
        params: { lr: 0.1, opt: 'sgd' },
        url: '/y'
      },
      {
        number: 3,
        run_id: 'r3',
        name: 'c',
        state: 'running',
        value: null,
        params: { lr: 0.1, opt: 'adam' },
        url: null
      }
    ],
    ...overrides
  };
}

describe('sweep routes', () => {
  it('parses and builds the sweep page path', () => {
    expect(parseRoute('/wandb/me/proj/sweeps/abc123xy', '', '/wandb')).toEqual({
      page: 'sweep',
      entity: 'me',
      project: 'proj',
      sweepId: 'abc123xy'
    });
    expect(
      routePath('/wandb', {
        page: 'sweep',
        entity: 'm e',
        project: 'p',
        sweepId: 'x/y'
      })
    ).toBe('/wandb/m%20e/p/sweeps/x%2Fy');
    expect(parseRoute('/wandb/me/proj/other/abc', '', '/wandb').page).toBe(
      'unknown'
    );
  });
});

describe('progressText and sweepLive', () => {
  it('counts trials against the total', () => {
    expect(progressText(sweep(), 3)).toBe('3/4 trials: 2 finished, 1 running');
    expect(progressText(sweep({ total: null, counts: {} }), 0)).toBe(
      '0 trials'
    );
  });
  it('polls only while the sweep may change', () => {
    expect(sweepLive(sweep())).toBe(true);
    expect(sweepLive(sweep({ state: 'PAUSED' }))).toBe(true);
    expect(sweepLive(sweep({ state: 'FINISHED' }))).toBe(false);
    expect(sweepLive(sweep({ state: 'CANCELED' }))).toBe(false);
  });
});

describe('parallelPlot', () => {
  it('draws parameter axes then the metric, one line per trial with a metric', () => {
    const plot = parallelPlot(sweep());
    expect(plot.names).toEqual(['lr', 'opt', 'loss']);
    expect(plot.lines.map(l => l.runId)).toEqual(['r1', 'r2']); // r3 has no metric yet
    const [best, worst] = plot.lines;
    expect(best.positions[2]).toBe(0); // lowest loss at the bottom of its axis
    expect(best.color).toBe(1); // minimize: the lowest loss is the best colour
    expect(worst.color).toBe(0);
    expect(best.positions[1]).not.toBe(worst.positions[1]); // categories on their own places
  });
  it('turns the colour round for maximize', () => {
    const plot = parallelPlot(
      sweep({ metric: { name: 'loss', goal: 'maximize' } })
    );
    expect(plot.lines[1].color).toBe(1);
  });
  it('has no lines without a metric and a single parameter', () => {
    const plot = parallelPlot(sweep({ metric: null, parameters: ['lr'] }));
    expect(plot.names).toEqual(['lr']);
    expect(plot.lines).toEqual([]);
  });
});
