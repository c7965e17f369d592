/**
 * The failure panel of a failed or crashed run's page: exit code, the error's last lines
 * from output.log and, for a notebook run, the first cell that raised.
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
  if (run.state !== 'failed' && run.state !== 'crashed') {
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
    el('p', { class: 'failure-code' }, code),
    lines,
    cell
  );
  lines.hidden = true;
  void (async () => {
    try {
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
    if (!run.files.some(f => f.name === SESSION_HISTORY)) {
      return;
    }
    try {
      const text = await ctx.api.fileText(
        route.entity,
        route.project,
        route.runId,
        SESSION_HISTORY
      );
      const failed = firstFailedCell(parseNotebook(text));
      if (failed) {
        replaceChildren(
          cell,
          el(
            'p',
            {},
            `First failed cell: cell ${failed.index} of the notebook`
          ),
          el('pre', { class: 'output' }, failed.source),
          el('pre', { class: 'output error-tail' }, stripAnsi(failed.error))
        );
      }
    } catch {
      // an unreadable history notebook: nothing more to say
    }
  })();
  return panel;
}
