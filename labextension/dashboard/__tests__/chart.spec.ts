import {
  axisKindFor,
  extent,
  invertX,
  layoutChart,
  nearestIndex,
  padDomain,
  scale
} from '../src/chart';

describe('domains and scales', () => {
  it('finds the extent of finite values over all series', () => {
    expect(
      extent([
        [3, 1, NaN],
        [Infinity, 7]
      ])
    ).toEqual([1, 7]);
    expect(extent([[], [NaN]])).toBeNull();
  });

  it('centres a constant series and pads a varying one', () => {
    expect(padDomain(5, 5)).toEqual([4.5, 5.5]);
    expect(padDomain(0, 0)).toEqual([-1, 1]);
    expect(padDomain(-2, -2)).toEqual([-2.2, -1.8]);
    expect(padDomain(0, 10, 0.05)).toEqual([-0.5, 10.5]);
  });

  it('maps domains onto ranges, y running upwards', () => {
    const y = scale([0, 10], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(150);
  });

  it('chooses the x-axis kind from the history key', () => {
    expect(axisKindFor('_step')).toBe('integer');
    expect(axisKindFor('_runtime')).toBe('duration');
    expect(axisKindFor('_timestamp')).toBe('time');
  });
});

describe('nearestIndex', () => {
  it('finds the point closest in x', () => {
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20, 30], 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe('layoutChart', () => {
  const base = { width: 400, height: 200, xKind: 'integer' as const };

  it('draws every point inside the plot area', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const y = x.map(i => Math.sin(i / 10));
    const layout = layoutChart({ ...base, series: [{ x, y }] });
    expect(layout.lines[0].count).toBe(100);
    const coords = layout.lines[0].points
      .split(' ')
      .map(p => p.split(',').map(Number));
    for (const [px, py] of coords) {
      expect(px).toBeGreaterThanOrEqual(layout.plot.left);
      expect(px).toBeLessThanOrEqual(layout.plot.right);
      expect(py).toBeGreaterThanOrEqual(layout.plot.top);
      expect(py).toBeLessThanOrEqual(layout.plot.bottom);
    }
    expect(coords[0][0]).toBe(layout.plot.left);
    expect(coords[99][0]).toBe(layout.plot.right);
  });

  it('gives a single point a dot in the middle', () => {
    const layout = layoutChart({ ...base, series: [{ x: [5], y: [0.3] }] });
    expect(layout.lines[0].count).toBe(1);
    const [cx, cy] = layout.lines[0].dot as [number, number];
    expect(cx).toBeCloseTo((layout.plot.left + layout.plot.right) / 2, 0);
    expect(cy).toBeCloseTo((layout.plot.top + layout.plot.bottom) / 2, 0);
    expect(layout.yTicks.length).toBeGreaterThan(0);
  });

  it('draws a constant series as a flat line with ticks around it', () => {
    const layout = layoutChart({
      ...base,
      series: [{ x: [0, 1, 2], y: [7, 7, 7] }]
    });
    const ys = new Set(
      layout.lines[0].points.split(' ').map(p => p.split(',')[1])
    );
    expect(ys.size).toBe(1);
    expect(layout.yTicks.map(t => t.label)).toEqual(['6.5', '7.0', '7.5']);
    expect(layout.lines[0].dot).toBeNull();
  });

  it('shares one domain between series and skips non-finite points', () => {
    const layout = layoutChart({
      ...base,
      series: [
        { x: [0, 10], y: [0, 1] },
        { x: [0, 5, 20], y: [2, NaN, 3] }
      ]
    });
    expect(layout.xDomain).toEqual([0, 20]);
    expect(layout.lines.map(l => l.count)).toEqual([2, 2]);
  });

  it('keeps y labels clear of the plot and inverts x for hovering', () => {
    const layout = layoutChart({
      ...base,
      series: [{ x: [0, 100], y: [0, 123456.5] }]
    });
    const longest = Math.max(...layout.yTicks.map(t => t.label.length));
    expect(layout.plot.left).toBeGreaterThan(longest * 6);
    expect(invertX(layout, layout.plot.left)).toBeCloseTo(0);
    expect(invertX(layout, layout.plot.right)).toBeCloseTo(100);
  });

  it('shows a single wall-time point with clock ticks around it', () => {
    const t0 = 1_700_000_000;
    const layout = layoutChart({
      ...base,
      xKind: 'time',
      series: [{ x: [t0], y: [1] }]
    });
    expect(layout.xDomain).toEqual([t0 - 60, t0 + 60]);
    expect(layout.xTicks.every(t => /^\d\d:\d\d(:\d\d)?$/.test(t.label))).toBe(
      true
    );
  });

  it('has x ticks within the plot for time axes', () => {
    const t0 = 1_700_000_000;
    const layout = layoutChart({
      ...base,
      xKind: 'time',
      series: [{ x: [t0, t0 + 7200], y: [1, 2] }]
    });
    expect(layout.xTicks.length).toBeGreaterThan(1);
    for (const tick of layout.xTicks) {
      expect(tick.pos).toBeGreaterThanOrEqual(layout.plot.left);
      expect(tick.pos).toBeLessThanOrEqual(layout.plot.right);
    }
  });
});
