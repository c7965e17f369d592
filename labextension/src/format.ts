/**
 * What the status bar item says about a run.
 */
import { IRunStatus } from './protocol';

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "W&B: lab_check-1 · running · 3 steps · offline", or "W&B: no run". */
export function statusText(run: IRunStatus | null): string {
  if (run === null) {
    return 'W&B: no run';
  }
  const parts = [run.name || run.id, run.state, plural(run.step, 'step')];
  if (run.mode) {
    parts.push(run.mode);
  }
  return `W&B: ${parts.join(' · ')}`;
}

/** The tooltip: what a click does. */
export function statusTitle(run: IRunStatus | null): string {
  if (run === null) {
    return "No W&B run in this notebook's kernel yet (%wandb_init starts one)";
  }
  const where = run.project ? ` in project ${run.project}` : '';
  const click = run.url
    ? `click to open its page (${run.url})`
    : 'this run has no page yet (offline runs get one only when stored under the folders of the dashboard inside Jupyter)';
  return `W&B run ${run.name || run.id} (${run.id})${where}: ${click}`;
}

/** The source of an inserted cell: the magics need the IPython extension where the kernel is not connected yet. */
export function magicCellSource(magic: string, connected: boolean): string {
  return connected ? magic : `%load_ext wandb_jupyter\n${magic}`;
}

/** Why "Open run page" has nothing to open. */
export function noPageReason(
  connected: boolean,
  run: IRunStatus | null
): string {
  if (!connected) {
    return "wandb_jupyter is not connected to this notebook's kernel: import it (or run %load_ext wandb_jupyter) and start a run.";
  }
  if (run === null) {
    return "No W&B run in this notebook's kernel: start one with %wandb_init.";
  }
  return `Run ${run.name || run.id} has no page yet: ${run.mode === 'offline' ? 'offline runs get one only when stored under the folders of the dashboard inside Jupyter (its root folder and WANDB_DIR)' : 'the server has not given it one'}.`;
}
