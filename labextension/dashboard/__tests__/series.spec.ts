import { PALETTE } from '../src/palette';
import { compareSeries, seriesByMetric } from '../src/series';

describe('series', () => {
  it('gives each metric of a run its own chart', () => {
    const charts = seriesByMetric({
      loss: { x: [0, 1], y: [2, 1] },
      acc: { x: [0], y: [0.5] }
    });
    expect([...charts.keys()]).toEqual(['loss', 'acc']);
    expect(charts.get('loss')).toEqual([
      { label: 'loss', color: PALETTE[0], x: [0, 1], y: [2, 1] }
    ]);
  });

  it('puts every run on the chart of each metric it has, one colour per run', () => {
    const charts = compareSeries([
      { label: 'run-a', series: { loss: { x: [0], y: [1] } } },
      {
        label: 'run-b',
        series: { loss: { x: [0], y: [2] }, acc: { x: [0], y: [3] } }
      }
    ]);
    expect(charts.get('loss')?.map(s => [s.label, s.color])).toEqual([
      ['run-a', PALETTE[0]],
      ['run-b', PALETTE[1]]
    ]);
    expect(charts.get('acc')?.map(s => [s.label, s.color])).toEqual([
      ['run-b', PALETTE[1]]
    ]);
  });
});
