/**
 * Loading a run's history for its charts under an x-axis choice: a fixed key (step, time or
 * any logged metric) is one request; "auto" plots each metric against the step metric
 * `define_metric` chose for it (one request per distinct x), the rest against the step.
 */
import type { Api, SeriesAnswer } from './api.js';

export const AUTO_X = 'auto';
const STEP = '_step';
const FIXED_X = ['_step', '_runtime', '_timestamp'];

/** The x keys to request and the metrics drawn against each ("null": every metric). */
export function historyPlan(
  choice: string,
  metrics: readonly string[],
  stepMetrics: Readonly<Record<string, string>>
): Map<string, string[] | null> {
  if (choice !== AUTO_X) {
    return new Map([[choice, null]]);
  }
  const chosen = metrics.filter(m => stepMetrics[m]);
  if (!chosen.length) {
    return new Map([[STEP, null]]);
  }
  const plan = new Map<string, string[] | null>();
  const plain = metrics.filter(m => !stepMetrics[m]);
  if (plain.length) {
    plan.set(STEP, plain);
  }
  for (const metric of chosen) {
    const x = stepMetrics[metric];
    const list = plan.get(x) ?? [];
    list.push(metric);
    plan.set(x, list);
  }
  return plan;
}

export interface LoadedHistory {
  /** The grid's x key (what most charts use). */
  readonly x: string;
  readonly series: SeriesAnswer['series'];
  /** Metrics drawn against another x than `x`. */
  readonly xByMetric: Map<string, string>;
}

/** The history of one run under an x-axis choice, merged into one answer. */
export async function loadHistory(
  api: Api,
  route: { entity: string; project: string; runId: string },
  choice: string,
  metrics: readonly string[],
  stepMetrics: Readonly<Record<string, string>>
): Promise<LoadedHistory> {
  const plan = historyPlan(choice, metrics, stepMetrics);
  const answers = await Promise.all(
    [...plan].map(([x, keys]) =>
      api
        .history(route.entity, route.project, route.runId, keys, x)
        .then(answer => ({ x, answer }))
    )
  );
  const main = choice === AUTO_X ? STEP : choice;
  const named = !FIXED_X.includes(main);
  const series: Record<string, SeriesAnswer['series'][string]> = {};
  const xByMetric = new Map<string, string>();
  for (const { x, answer } of answers) {
    for (const [metric, s] of Object.entries(answer.series)) {
      series[metric] = s;
      if (x !== main || named) {
        xByMetric.set(metric, x);
      }
    }
  }
  return { x: main, series, xByMetric };
}
