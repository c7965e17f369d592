/**
 * API series answers -> chart series: one line per metric on a run page, one line per run
 * and metric in a comparison (each run keeps its colour across all charts).
 */
import type { SeriesAnswer } from './api.js';
import { ChartSeries, PALETTE } from './palette.js';

type SeriesMap = SeriesAnswer['series'];

/** One single-series chart per metric of a history/events answer. */
export function seriesByMetric(
  series: SeriesMap,
  color = PALETTE[0]
): Map<string, ChartSeries[]> {
  const byMetric = new Map<string, ChartSeries[]>();
  for (const [metric, s] of Object.entries(series)) {
    byMetric.set(metric, [{ label: metric, color, x: s.x, y: s.y }]);
  }
  return byMetric;
}

/** Per metric, one series per run in run order (runs that lack the metric are left out). */
export function compareSeries(
  runs: readonly { readonly label: string; readonly series: SeriesMap }[]
): Map<string, ChartSeries[]> {
  const byMetric = new Map<string, ChartSeries[]>();
  runs.forEach((run, i) => {
    for (const [metric, s] of Object.entries(run.series)) {
      const list = byMetric.get(metric) ?? [];
      list.push({ label: run.label, color: runColor(i), x: s.x, y: s.y });
      byMetric.set(metric, list);
    }
  });
  return byMetric;
}

export function runColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

/** y of a series at `x` by linear interpolation (NaN outside its x range or when it is empty). */
export function interpolate(
  xs: readonly number[],
  ys: readonly number[],
  x: number
): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0 || x < xs[0] || x > xs[hi]) {
    return NaN;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  if (xs[lo] === x || hi === lo) {
    return ys[lo];
  }
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

/**
 * One line per group of runs: the mean of its runs' values with a min/max band, on the
 * union of their x values (at most `points`, evenly thinned); each run counts only within
 * its own x range, so a run that stopped early does not drag the mean down to nothing.
 */
export function groupBand(
  label: string,
  color: string,
  runs: readonly {
    readonly x: readonly number[];
    readonly y: readonly number[];
  }[],
  points = 1000
): ChartSeries {
  const all = [...new Set(runs.flatMap(r => r.x))].sort((a, b) => a - b);
  const stride = Math.max(1, Math.ceil(all.length / points));
  const grid = all.filter((_, i) => i % stride === 0 || i === all.length - 1);
  const x: number[] = [];
  const y: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (const at of grid) {
    const values = runs
      .map(r => interpolate(r.x, r.y, at))
      .filter(v => Number.isFinite(v));
    if (!values.length) {
      continue;
    }
    x.push(at);
    y.push(values.reduce((a, b) => a + b, 0) / values.length);
    lo.push(Math.min(...values));
    hi.push(Math.max(...values));
  }
  return { label, color, x, y, lo, hi };
}

/** Per metric, one banded series per group (runs' series grouped by `groupOf`, in first-seen order). */
export function groupedSeries(
  runs: readonly {
    readonly group: string;
    readonly series: SeriesMap;
  }[]
): Map<string, ChartSeries[]> {
  const groups = [...new Set(runs.map(r => r.group))];
  const metrics = new Set(runs.flatMap(r => Object.keys(r.series)));
  const byMetric = new Map<string, ChartSeries[]>();
  for (const metric of metrics) {
    const lines: ChartSeries[] = [];
    groups.forEach((group, i) => {
      const members = runs
        .filter(r => r.group === group && r.series[metric])
        .map(r => r.series[metric]);
      if (members.length) {
        lines.push(
          groupBand(`${group} (${members.length})`, runColor(i), members)
        );
      }
    });
    byMetric.set(metric, lines);
  }
  return byMetric;
}
