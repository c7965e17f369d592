/**
 * Why a run failed, from what it left behind: the error's last lines of output.log (from
 * the last Python traceback on, else the last lines) and the first cell of a notebook run
 * whose output is an error (files/code/_session_history.ipynb).
 */
import type { Cell } from './notebook.js';
import type { OutputLine } from './outputlog.js';

const TRACEBACK = /^Traceback \(most recent call last\):/;

/** The error's lines at the end of a log: from the last traceback on (at most `max`). */
export function errorTail(
  lines: readonly OutputLine[],
  max = 30
): OutputLine[] {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (TRACEBACK.test(lines[i].text)) {
      start = i;
      break;
    }
  }
  const from = start >= 0 ? start : Math.max(0, lines.length - 10);
  const tail = lines.slice(from).filter(line => line.text.trim() !== '');
  return tail.slice(-max);
}

/** The first code cell whose outputs hold an error, with its index among code cells. */
export function firstFailedCell(cells: readonly Cell[]): {
  readonly index: number;
  readonly source: string;
  readonly error: string;
} | null {
  let index = 0;
  for (const cell of cells) {
    if (cell.kind !== 'code') {
      continue;
    }
    index += 1;
    const failed = cell.outputs.find(o => o.kind === 'text' && o.error);
    if (failed && failed.kind === 'text') {
      return { index, source: cell.source, error: failed.text };
    }
  }
  return null;
}

/** The session-history notebook of a notebook run, when it saved one. */
export const SESSION_HISTORY = 'code/_session_history.ipynb';
