/**
 * Chart geometry: domains, scales, ticks and polyline coordinates for line charts, computed
 * without the DOM so it can be tested. The server has already downsampled each series
 * (min/max preserving, <= a few thousand points), so plain polylines are enough.
 */
import { AxisKind, axisTicks } from './ticks.js';

export interface XY {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

export interface PlacedTick {
  readonly pos: number;
  readonly label: string;
}

export interface Line {
  /** SVG polyline "x,y x,y ..." in chart pixels. */
  readonly points: string;
  readonly count: number;
  /** Where to draw a dot when the series is a single point (a polyline of one point is invisible). */
  readonly dot: readonly [number, number] | null;
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly plot: {
    readonly left: number;
    readonly top: number;
    readonly right: number;
    readonly bottom: number;
  };
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  readonly xTicks: readonly PlacedTick[];
  readonly yTicks: readonly PlacedTick[];
  readonly lines: readonly Line[];
}

/** The x-axis kind that suits a history x key. */
export function axisKindFor(xKey: string): AxisKind {
  return xKey === '_runtime'
    ? 'duration'
    : xKey === '_timestamp'
      ? 'time'
      : xKey === '_step'
        ? 'integer'
        : 'number';
}

/** [min, max] of finite values over all series, or null when there are none. */
export function extent(
  values: readonly (readonly number[])[]
): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const list of values) {
    for (const v of list) {
      if (Number.isFinite(v)) {
        if (v < min) {
          min = v;
        }
        if (v > max) {
          max = v;
        }
      }
    }
  }
  return min <= max ? [min, max] : null;
}

/**
 * Widen a domain so a constant series sits in the middle of the plot and a varying one
 * keeps a small margin (`pad` of its span) above and below.
 */
export function padDomain(min: number, max: number, pad = 0): [number, number] {
  if (max > min) {
    const margin = (max - min) * pad;
    return [min - margin, max + margin];
  }
  const half = min === 0 ? 1 : Math.abs(min) * 0.1;
  return [min - half, max + half];
}

/** A linear map from a domain onto a pixel range (range may run backwards, as y does). */
export function scale(
  domain: readonly [number, number],
  range: readonly [number, number]
): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return v => r0 + (v - d0) * k;
}

/** Index of the point whose x is closest to `x` (-1 for an empty series). */
export function nearestIndex(xs: readonly number[], x: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < xs.length; i++) {
    const distance = Math.abs(xs[i] - x);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

const CHAR_WIDTH = 6.5;
const MARGIN = { top: 10, right: 14, bottom: 24 };

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Everything needed to draw `series` as lines in a width x height box. */
export function layoutChart(options: {
  width: number;
  height: number;
  series: readonly XY[];
  xKind: AxisKind;
  yTickCount?: number;
  xTickCount?: number;
}): ChartLayout {
  const { width, height, series, xKind } = options;
  const xExtent = extent(series.map(s => s.x)) ?? [0, 1];
  const yExtent = extent(series.map(s => s.y)) ?? [0, 1];
  // a single x: a minute either side of a wall time, else padDomain's default
  const xDomain =
    xKind === 'time' && xExtent[0] === xExtent[1]
      ? ([xExtent[0] - 60, xExtent[0] + 60] as [number, number])
      : padDomain(xExtent[0], xExtent[1]);
  const yDomain = padDomain(yExtent[0], yExtent[1], 0.05);
  const yTicksRaw = axisTicks(
    'number',
    yDomain[0],
    yDomain[1],
    options.yTickCount ?? 5
  );
  const labelWidth =
    Math.max(1, ...yTicksRaw.map(t => t.label.length)) * CHAR_WIDTH;
  const plot = {
    left: Math.ceil(labelWidth + 10),
    top: MARGIN.top,
    right: width - MARGIN.right,
    bottom: height - MARGIN.bottom
  };
  const sx = scale(xDomain, [plot.left, plot.right]);
  const sy = scale(yDomain, [plot.bottom, plot.top]);
  const xTickCount =
    options.xTickCount ??
    Math.max(2, Math.floor((plot.right - plot.left) / 90));
  const xTicks = axisTicks(xKind, xDomain[0], xDomain[1], xTickCount).map(
    t => ({
      pos: round1(sx(t.value)),
      label: t.label
    })
  );
  const yTicks = yTicksRaw.map(t => ({
    pos: round1(sy(t.value)),
    label: t.label
  }));
  const lines = series.map(s => {
    const coords: string[] = [];
    let first: [number, number] | null = null;
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) {
        const px = round1(sx(s.x[i]));
        const py = round1(sy(s.y[i]));
        first = first ?? [px, py];
        coords.push(`${px},${py}`);
      }
    }
    return {
      points: coords.join(' '),
      count: coords.length,
      dot: coords.length === 1 ? first : null
    };
  });
  return { width, height, plot, xDomain, yDomain, xTicks, yTicks, lines };
}

/** The data x under a pixel position of the plot (for hover). */
export function invertX(layout: ChartLayout, px: number): number {
  const { left, right } = layout.plot;
  return scale([left, right], layout.xDomain)(px);
}
