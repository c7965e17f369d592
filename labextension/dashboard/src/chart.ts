/**
 * Chart geometry: domains, scales, ticks and polyline coordinates for line charts, computed
 * without the DOM so it can be tested. The server has already downsampled each series
 * (min/max preserving, <= a few thousand points), so plain polylines are enough.
 */
import { formatNumber } from './format.js';
import { AxisKind, Tick, axisTicks } from './ticks.js';

export interface XY {
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** A min/max band around the line (a group's runs), index-aligned with x. */
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
}

export interface PlacedTick {
  readonly pos: number;
  readonly label: string;
  /** SVG text-anchor: labels at the edges are anchored inwards so none is clipped. */
  readonly anchor?: 'start' | 'middle' | 'end';
}

/** Per-axis scale: linear, or log10 (values <= 0 are left out). */
export interface AxisScales {
  readonly xLog?: boolean;
  readonly yLog?: boolean;
}

export interface Line {
  /** SVG polyline "x,y x,y ..." in chart pixels. */
  readonly points: string;
  readonly count: number;
  /** Where to draw a dot when the series is a single point (a polyline of one point is invisible). */
  readonly dot: readonly [number, number] | null;
  /** SVG polygon points of the series' band ("" without one). */
  readonly band: string;
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
  /** Domains in axis units (log10 of the values on a log axis). */
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  readonly xLog: boolean;
  readonly yLog: boolean;
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

/** A value in axis units: itself, or its log10 on a log axis (NaN for v <= 0). */
export function toAxis(v: number, log: boolean): number {
  return log ? (v > 0 ? Math.log10(v) : NaN) : v;
}

/** A value in axis units back to data units. */
export function fromAxis(v: number, log: boolean): number {
  return log ? 10 ** v : v;
}

/** Ticks of a log10 axis over [min, max] (in log units): powers of ten, with 2 and 5 when few. */
export function logTicks(min: number, max: number): Tick[] {
  const ticks: Tick[] = [];
  const first = Math.floor(min);
  const last = Math.ceil(max);
  const steps = last - first <= 2 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((last - first) / 8));
  for (let k = first; k <= last; k++) {
    if ((k - first) % every) {
      continue;
    }
    for (const m of steps) {
      const value = Math.log10(m) + k;
      if (value >= min - 1e-9 && value <= max + 1e-9) {
        ticks.push({ value, label: formatNumber(m * 10 ** k) });
      }
    }
  }
  return ticks;
}

function ticksFor(
  kind: AxisKind,
  log: boolean,
  domain: readonly [number, number],
  count: number
): Tick[] {
  return log
    ? logTicks(domain[0], domain[1])
    : axisTicks(kind, domain[0], domain[1], count);
}

/** A wall-time axis spans at least this many seconds (labels of a narrower one would repeat). */
const MIN_TIME_SPAN = 2;

/** A wall-time domain of MIN_TIME_SPAN around a short (or single-instant) extent. */
export function timeDomain(min: number, max: number): [number, number] {
  const middle = (min + max) / 2;
  return [middle - MIN_TIME_SPAN / 2, middle + MIN_TIME_SPAN / 2];
}

/** Ticks without a label equal to the previous one's (rounding can repeat a label). */
export function distinctLabels(ticks: readonly Tick[]): Tick[] {
  return ticks.filter((t, i) => i === 0 || t.label !== ticks[i - 1].label);
}

/** Where a tick label of `label` at `pos` is anchored so it stays inside [0, width]. */
export function tickAnchor(
  pos: number,
  label: string,
  width: number
): 'start' | 'middle' | 'end' {
  const half = (label.length * CHAR_WIDTH) / 2;
  return pos + half > width ? 'end' : pos - half < 0 ? 'start' : 'middle';
}

/** Everything needed to draw `series` as lines in a width x height box. */
export function layoutChart(options: {
  width: number;
  height: number;
  series: readonly XY[];
  xKind: AxisKind;
  yTickCount?: number;
  xTickCount?: number;
  /** Zoomed x range in data units; null/absent: the whole data. */
  xRange?: readonly [number, number] | null;
  scales?: AxisScales;
}): ChartLayout {
  const { width, height, xKind } = options;
  const xLog = Boolean(options.scales?.xLog);
  const yLog = Boolean(options.scales?.yLog);
  const map = (vs: readonly number[] | undefined, log: boolean): number[] =>
    vs ? (log ? vs.map(v => toAxis(v, true)) : (vs as number[])) : [];
  const series = options.series.map(s => ({
    x: map(s.x, xLog),
    y: map(s.y, yLog),
    lo: map(s.lo, yLog),
    hi: map(s.hi, yLog)
  }));
  const zoom = options.xRange
    ? ([
        toAxis(Math.min(...options.xRange), xLog),
        toAxis(Math.max(...options.xRange), xLog)
      ] as [number, number])
    : null;
  const inView = (values: number[], xs: number[]): number[] =>
    zoom
      ? values.filter((_, i) => xs[i] >= zoom[0] && xs[i] <= zoom[1])
      : values;
  const xExtent = extent(series.map(s => s.x)) ?? [0, 1];
  const yExtent = extent(
    series.flatMap(s => [
      inView(s.y, s.x),
      inView(s.lo, s.x),
      inView(s.hi, s.x)
    ])
  ) ?? [0, 1];
  // a single x: a minute either side of a wall time, else padDomain's default
  const xDomain: [number, number] =
    zoom &&
    Number.isFinite(zoom[0]) &&
    Number.isFinite(zoom[1]) &&
    zoom[1] > zoom[0]
      ? zoom
      : xKind === 'time' && !xLog && xExtent[0] === xExtent[1]
        ? [xExtent[0] - 60, xExtent[0] + 60]
        : xKind === 'time' && !xLog && xExtent[1] - xExtent[0] < MIN_TIME_SPAN
          ? timeDomain(xExtent[0], xExtent[1])
          : padDomain(xExtent[0], xExtent[1]);
  const yDomain = padDomain(yExtent[0], yExtent[1], 0.05);
  const yTicksRaw = ticksFor('number', yLog, yDomain, options.yTickCount ?? 5);
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
    Math.max(2, Math.floor((plot.right - plot.left) / 80));
  const xTicks = distinctLabels(ticksFor(xKind, xLog, xDomain, xTickCount)).map(
    t => {
      const pos = round1(sx(t.value));
      return { pos, label: t.label, anchor: tickAnchor(pos, t.label, width) };
    }
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
      dot: coords.length === 1 ? first : null,
      band: bandPolygon(s, sx, sy)
    };
  });
  return {
    width,
    height,
    plot,
    xDomain,
    yDomain,
    xLog,
    yLog,
    xTicks,
    yTicks,
    lines
  };
}

function bandPolygon(
  s: { x: number[]; lo: number[]; hi: number[] },
  sx: (v: number) => number,
  sy: (v: number) => number
): string {
  if (!s.lo.length || !s.hi.length) {
    return '';
  }
  const upper: string[] = [];
  const lower: string[] = [];
  for (let i = 0; i < s.x.length; i++) {
    if (
      Number.isFinite(s.x[i]) &&
      Number.isFinite(s.lo[i]) &&
      Number.isFinite(s.hi[i])
    ) {
      const px = round1(sx(s.x[i]));
      upper.push(`${px},${round1(sy(s.hi[i]))}`);
      lower.push(`${px},${round1(sy(s.lo[i]))}`);
    }
  }
  return upper.length > 1 ? [...upper, ...lower.reverse()].join(' ') : '';
}

/** The data x under a pixel position of the plot (for hover and zoom). */
export function invertX(layout: ChartLayout, px: number): number {
  const { left, right } = layout.plot;
  return fromAxis(scale([left, right], layout.xDomain)(px), layout.xLog);
}

/** Pixel position of a data x / y in a layout (log axes included). */
export function pixelX(layout: ChartLayout, x: number): number {
  return scale(layout.xDomain, [layout.plot.left, layout.plot.right])(
    toAxis(x, layout.xLog)
  );
}

export function pixelY(layout: ChartLayout, y: number): number {
  return scale(layout.yDomain, [layout.plot.bottom, layout.plot.top])(
    toAxis(y, layout.yLog)
  );
}

/** A chart's series as CSV: one row per point, `series,x,y` (labels quoted when needed). */
export function seriesCsv(
  xLabel: string,
  series: readonly {
    readonly label: string;
    readonly x: readonly number[];
    readonly y: readonly number[];
  }[]
): string {
  const quote = (text: string): string =>
    /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  const lines = [`series,${quote(xLabel)},value`];
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      lines.push(`${quote(s.label)},${s.x[i]},${s.y[i]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
