/**
 * The silent request that connects a Python kernel at start and restart.
 *
 * It imports `wandb_jupyter` only where it is installed (a no-op elsewhere),
 * registers the comm target and hands over the notebook's path (and the
 * dashboard inside Jupyter, when there is one) in the same message, so both
 * are in the kernel before any cell queued after it.
 * See `wandb_jupyter/notebook/_comm.py` for the kernel's side.
 */
import { IDashboardInfo, PROTOCOL } from './protocol';

/** The key of the `user_expressions` entry that tells whether the kernel side answered. */
export const PROBE_KEY = 'wandb_jupyter';

/** Evaluated after the code: the kernel module's protocol version, or an error where it is absent. */
export const PROBE_EXPRESSION =
  "__import__('sys').modules['wandb_jupyter.notebook._comm'].PROTOCOL";

/** A Python string literal for `value` (JSON string escapes are all valid in Python). */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A Python dict literal for the dashboard: `{"base": "...", "roots": ["...", ...]}`. */
export function pythonDashboard(dashboard: IDashboardInfo): string {
  const roots = dashboard.roots.map(pythonString).join(', ');
  return `{"base": ${pythonString(dashboard.base)}, "roots": [${roots}]}`;
}

/** The code of the silent request. */
export function probeCode(
  path: string,
  root: string,
  dashboard: IDashboardInfo | null = null
): string {
  const args = [pythonString(path), pythonString(root)];
  if (dashboard !== null) {
    args.push(pythonDashboard(dashboard));
  }
  return [
    'try:',
    '    from wandb_jupyter.notebook._comm import hello as _wandb_jupyter_hello',
    'except Exception:',
    '    pass',
    'else:',
    `    _wandb_jupyter_hello(${args.join(', ')})`,
    '    del _wandb_jupyter_hello'
  ].join('\n');
}

/** The execute_request content of the probe: silent, out of history, never stopping queued cells. */
export function probeRequest(
  path: string,
  root: string,
  dashboard: IDashboardInfo | null = null
): {
  code: string;
  silent: boolean;
  store_history: boolean;
  allow_stdin: boolean;
  stop_on_error: boolean;
  user_expressions: { [key: string]: string };
} {
  return {
    code: probeCode(path, root, dashboard),
    silent: true,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false,
    user_expressions: { [PROBE_KEY]: PROBE_EXPRESSION }
  };
}

/** True when the execute_reply content says the kernel side is there and speaks our protocol. */
export function probeAnswered(content: unknown): boolean {
  if (typeof content !== 'object' || content === null) {
    return false;
  }
  const reply = content as {
    status?: string;
    user_expressions?: { [key: string]: any };
  };
  if (reply.status !== 'ok') {
    return false;
  }
  const entry = reply.user_expressions && reply.user_expressions[PROBE_KEY];
  if (!entry || entry.status !== 'ok') {
    return false;
  }
  const shown = entry.data && entry.data['text/plain'];
  return typeof shown === 'string' && Number(shown.trim()) === PROTOCOL;
}

/** A cell worth reconnecting after (in a kernel not connected yet): it mentions wandb_jupyter or its magics. */
export function mentionsWandbJupyter(source: string): boolean {
  return /\bwandb_jupyter\b|%%?wandb_\w+/.test(source);
}

/** `path` without a drive prefix such as "RTC:" (collaborative documents). */
export function localPath(path: string): string {
  const match = /^[A-Za-z][\w-]*:(?!\/\/)(.*)$/.exec(path);
  return match && !/^[A-Za-z]:[\\/]/.test(path) ? match[1] : path;
}
