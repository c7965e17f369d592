/**
 * Smoothing of a chart's y values, as W&B offers it: an exponential moving average
 * (debiased, so the first points are not dragged towards zero) and a trailing running
 * average over a window of points. Non-finite values are passed through untouched.
 */

export type SmoothingMode = 'none' | 'ema' | 'average';

export interface Smoothing {
  readonly mode: SmoothingMode;
  /** EMA: weight in [0, 1) of the past; running average: window in points. */
  readonly amount: number;
}

export const NO_SMOOTHING: Smoothing = { mode: 'none', amount: 0 };

/** Debiased EMA with `weight` of the past (0: the values themselves). */
export function emaSmooth(ys: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let seen = 0;
  return ys.map(y => {
    if (!Number.isFinite(y)) {
      return y;
    }
    last = last * w + (1 - w) * y;
    seen += 1;
    const debias = 1 - w ** seen;
    return debias > 0 ? last / debias : y;
  });
}

/** Mean of the last `window` finite values up to each point. */
export function runningAverage(
  ys: readonly number[],
  window: number
): number[] {
  const size = Math.max(1, Math.round(window));
  const kept: number[] = [];
  let sum = 0;
  return ys.map(y => {
    if (!Number.isFinite(y)) {
      return y;
    }
    kept.push(y);
    sum += y;
    if (kept.length > size) {
      sum -= kept.shift() as number;
    }
    return sum / kept.length;
  });
}

/** The smoothed values, or null when smoothing is off (draw the raw line only). */
export function smooth(
  ys: readonly number[],
  smoothing: Smoothing
): number[] | null {
  switch (smoothing.mode) {
    case 'ema':
      return smoothing.amount > 0 ? emaSmooth(ys, smoothing.amount) : null;
    case 'average':
      return smoothing.amount > 1 ? runningAverage(ys, smoothing.amount) : null;
    default:
      return null;
  }
}
