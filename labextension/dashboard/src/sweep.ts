/**
 * A sweep as the dashboard's API answers it (`/_dashboard/api/sweep/{entity}/{project}/{id}`), and
 * the geometry of its parallel coordinates: one axis per searched parameter, then the metric, one
 * line per trial that has a value on every axis, coloured by the metric (best end of the ramp
 * for the goal's side).
 */
import type { Api } from './api.js';
import { segments } from './api.js';
import { ParamAxis, axisPosition, paramAxis } from './hparams.js';

export interface SweepTrial {
  readonly number: number;
  readonly run_id: string;
  readonly name: string | null;
  readonly state: string;
  readonly value: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly url: string | null;
}

export interface SweepSummary {
  readonly id: string;
  readonly state: string;
  readonly method: string;
  readonly metric: { readonly name: string; readonly goal: string } | null;
  readonly parameters: readonly string[];
  readonly total: number | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly best: {
    readonly run_id: string;
    readonly value: number;
    readonly params: Readonly<Record<string, unknown>>;
  } | null;
  readonly created_at: number | null;
}

export interface SweepDetail extends SweepSummary {
  readonly trials: readonly SweepTrial[];
}

export interface SweepListItem extends SweepSummary {
  readonly trial_count: number;
}

export function fetchSweeps(
  api: Api,
  entity: string,
  project: string
): Promise<{ sweeps: SweepListItem[] }> {
  return api.json(`sweeps/${segments(entity, project)}`);
}

export function fetchSweep(
  api: Api,
  entity: string,
  project: string,
  sweepId: string
): Promise<SweepDetail> {
  return api.json(`sweep/${segments(entity, project, sweepId)}`);
}

/** "12/40 trials: 10 finished, 2 running" (no total for an open-ended random or bayes sweep). */
export function progressText(sweep: SweepSummary, trials: number): string {
  const counts = Object.entries(sweep.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const total = sweep.total ? `/${sweep.total}` : '';
  return `${trials}${total} trials${counts ? `: ${counts}` : ''}`;
}

/** Whether the page should keep polling: the sweep may still change. */
export function sweepLive(sweep: SweepSummary): boolean {
  return sweep.state === 'RUNNING' || sweep.state === 'PAUSED';
}

export interface ParallelLine {
  readonly runId: string;
  /** each axis's position, 0 (bottom) to 1 (top) */
  readonly positions: readonly number[];
  /** 0..1 along the colour ramp: 1 is the best value for the metric's goal */
  readonly color: number;
}

export interface ParallelPlot {
  readonly names: readonly string[];
  readonly axes: readonly ParamAxis[];
  readonly lines: readonly ParallelLine[];
}

/** Axes (parameters, then the metric) and one line per trial with a value on every axis. */
export function parallelPlot(sweep: SweepDetail): ParallelPlot {
  const metric = sweep.metric?.name ?? null;
  const valueOf = (trial: SweepTrial, i: number): unknown =>
    i < sweep.parameters.length
      ? trial.params[sweep.parameters[i]]
      : trial.value;
  const count = sweep.parameters.length + (metric ? 1 : 0);
  const axes: ParamAxis[] = [];
  for (let i = 0; i < count; i++) {
    axes.push(paramAxis(sweep.trials.map(t => valueOf(t, i))));
  }
  const lines: ParallelLine[] = [];
  for (const trial of sweep.trials) {
    const positions: number[] = [];
    for (let i = 0; i < count; i++) {
      const pos = axisPosition(axes[i], valueOf(trial, i));
      if (pos === null) {
        break;
      }
      positions.push(pos);
    }
    if (positions.length !== count || count < 2) {
      continue;
    }
    const last = metric ? positions[count - 1] : 0.5;
    const color = sweep.metric?.goal === 'maximize' ? last : 1 - last;
    lines.push({ runId: trial.run_id, positions, color });
  }
  const names = [...sweep.parameters, ...(metric ? [metric] : [])];
  return { names, axes, lines };
}
