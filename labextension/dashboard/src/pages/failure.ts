/**
 * The failure panel of a run's page: for a failed or crashed run its exit code and the
 * error's last lines from output.log; for a notebook run the first cell that raised (shown
 * even when the run itself finished, as a cell error does not end a notebook run).
 */
import type { RunDetail } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { SESSION_HISTORY, errorTail, firstFailedCell } from '../failure.js';
import { parseNotebook, stripAnsi } from '../notebook.js';
import { parseOutput } from '../outputlog.js';
import { PageContext } from './common.js';

type RunRoute = { entity: string; project: string; runId: string };

export function failurePanel(
  ctx: PageContext,
  route: RunRoute,
  run: RunDetail
): HTMLElement | null {
  const failed = run.state === 'failed' || run.state === 'crashed';
  const notebook = run.files.some(f => f.name === SESSION_HISTORY);
  if (!failed && !notebook) {
    return null;
  }
  const code =
    run.exit_code === null || run.exit_code === undefined
      ? run.state === 'crashed'
        ? 'The run stopped without reporting an exit code (crashed).'
        : 'The run failed.'
      : `The run exited with code ${run.exit_code}.`;
  const lines = el('pre', {
    class: 'output error-tail',
    'data-testid': 'error-tail'
  });
  const cell = el('div', { 'data-testid': 'failed-cell' });
  const panel = el(
    'div',
    { class: 'failure', 'data-testid': 'failure' },
    failed ? el('p', { class: 'failure-code' }, code) : null,
    lines,
    cell
  );
  lines.hidden = true;
  // a notebook run that ended well shows the panel only for a cell that raised
  panel.hidden = !failed;
  void (async () => {
    try {
      if (!failed) {
        throw new Error('no error to look for');
      }
      const answer = await ctx.api.output(
        route.entity,
        route.project,
        route.runId,
        {
          tail: 200
        }
      );
      const tail = errorTail(parseOutput(answer.text));
      if (tail.length) {
        replaceChildren(lines, tail.map(line => line.text).join('\n'));
        lines.hidden = false;
      }
    } catch {
      // no output.log: the exit code is all there is
    }
    if (!notebook) {
      return;
    }
    try {
      const text = await ctx.api.fileText(
        route.entity,
        route.project,
        route.runId,
        SESSION_HISTORY
      );
      const cellFailed = firstFailedCell(parseNotebook(text));
      if (cellFailed) {
        replaceChildren(
          cell,
          el(
            'p',
            { class: 'failure-code' },
            `First failed cell: cell ${cellFailed.index} of the notebook`
          ),
          el('pre', { class: 'output' }, cellFailed.source),
          el('pre', { class: 'output error-tail' }, stripAnsi(cellFailed.error))
        );
        panel.hidden = false;
      }
    } catch {
      // an unreadable history notebook: nothing more to say
    }
  })();
  return panel;
}
