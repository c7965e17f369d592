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
