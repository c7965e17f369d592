/**
 * Axis tick positions and labels: "nice" steps (1, 2, 5 x 10^k) for numbers, clock-like
 * steps (15 s, 1 min, 6 h, ...) for durations and wall time, so labels read as round values.
 */
import {
  decimalsFor,
  formatClock,
  formatDuration,
  formatTick
} from './format.js';

export type AxisKind = 'number' | 'integer' | 'duration' | 'time';

export interface Tick {
  readonly value: number;
  readonly label: string;
}

/** A 1/2/5 x 10^k step giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Multiples of `step` within [min, max], offset by `shift` (time zones), without float dust. */
function multiples(
  min: number,
  max: number,
  step: number,
  shift = 0
): number[] {
  const decimals = decimalsFor(step);
  const values: number[] = [];
  const first = Math.ceil((min + shift) / step - 1e-9);
  for (
    let k = first;
    k * step - shift <= max + step * 1e-9 && values.length < 1000;
    k++
  ) {
    values.push(Number((k * step - shift).toFixed(Math.min(decimals, 20))));
  }
  return values;
}

const CLOCK_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
  43200, 86400, 172800, 604800
];

/** A step in seconds from CLOCK_STEPS (whole days beyond a week, sub-second via niceStep). */
export function clockStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (raw < 1) {
    return niceStep(span, count);
  }
  const step = CLOCK_STEPS.find(s => s >= raw);
  return step ?? niceStep(span / 86400, count) * 86400;
}

/** Ticks over [min, max] (min < max) for an axis of the given kind, about `count` of them. */
export function axisTicks(
  kind: AxisKind,
  min: number,
  max: number,
  count = 5
): Tick[] {
  if (!(max > min)) {
    return [];
  }
  if (kind === 'duration' || kind === 'time') {
    const step = clockStep(max - min, count);
    // Wall-time ticks fall on round local times (a 6 h step lands on 00:00, 06:00, ...).
    const shift =
      kind === 'time' ? -new Date(min * 1000).getTimezoneOffset() * 60 : 0;
    return multiples(min, max, step, step >= 60 ? shift : 0).map(value => ({
      value,
      label: kind === 'time' ? formatClock(value, step) : formatDuration(value)
    }));
  }
  const step =
    kind === 'integer'
      ? Math.max(1, niceStep(max - min, count))
      : niceStep(max - min, count);
  const values = multiples(min, max, step);
  const maxAbs = Math.max(...values.map(Math.abs));
  return values.map(value => ({
    value,
    label: formatTick(value, step, maxAbs)
  }));
}
