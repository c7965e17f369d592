/**
 * The messages between this extension and `wandb_jupyter.notebook._comm` in the kernel.
 *
 * Kernel -> front end: `status` (the run the kernel reports, or null),
 * `open` (WANDB_SHOW_RUN), `error` (a request that failed).
 * Front end -> kernel: `path` (the notebook's path, and the dashboard inside
 * Jupyter when there is one), `finish`, `status`.
 */

/** The comm target that `wandb_jupyter` registers in the kernel. */
export const COMM_TARGET = 'wandb_jupyter';

/** The protocol version the kernel answers to the probe; older or newer kernels are not used. */
export const PROTOCOL = 1;

/** One run as the kernel reports it. */
export interface IRunStatus {
  name: string;
  id: string;
  project: string;
  /** "running", "finished" or "failed" */
  state: string;
  /** the number of committed steps (the step the next log() gets) */
  step: number;
  /** "offline", "online" or "disabled" */
  mode: string;
  /** the run's page; null while the run has none (offline runs outside the dashboard's folders) */
  url: string | null;
}

/** The W&B dashboard inside this Jupyter server: its URL as the browser sees it, and the folders it shows. */
export interface IDashboardInfo {
  /** `<origin><base URL>wandb` */
  base: string;
  /** absolute folders (on the server) whose local runs it shows */
  roots: string[];
}

export type KernelMessage =
  | { type: 'status'; run: IRunStatus | null; version?: string }
  | { type: 'open'; url: string }
  | { type: 'error'; message: string };

export type FrontendMessage =
  | { type: 'path'; path: string; root?: string; dashboard?: IDashboardInfo }
  | { type: 'finish' }
  | { type: 'status' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

/** A run status from untrusted JSON, or null when it is not one. */
export function parseRun(value: unknown): IRunStatus | null {
  if (!isObject(value) || typeof value.id !== 'string') {
    return null;
  }
  const step = Number(value.step);
  const url = typeof value.url === 'string' && value.url ? value.url : null;
  return {
    name: text(value.name),
    id: value.id,
    project: text(value.project),
    state: text(value.state) || 'running',
    step: Number.isFinite(step) && step >= 0 ? Math.floor(step) : 0,
    mode: text(value.mode),
    url
  };
}

/** A message from the kernel, validated; null for anything this version does not understand. */
export function parseKernelMessage(data: unknown): KernelMessage | null {
  if (!isObject(data)) {
    return null;
  }
  switch (data.type) {
    case 'status': {
      const run = data.run == null ? null : parseRun(data.run);
      if (data.run != null && run === null) {
        return null;
      }
      const message: KernelMessage = { type: 'status', run };
      if (typeof data.version === 'string') {
        message.version = data.version;
      }
      return message;
    }
    case 'open':
      return typeof data.url === 'string' && data.url
        ? { type: 'open', url: data.url }
        : null;
    case 'error':
      return { type: 'error', message: text(data.message) || 'unknown error' };
    default:
      return null;
  }
}

/** Two statuses show the same thing. */
export function sameRun(a: IRunStatus | null, b: IRunStatus | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.project === b.project &&
    a.state === b.state &&
    a.step === b.step &&
    a.mode === b.mode &&
    a.url === b.url
  );
}
