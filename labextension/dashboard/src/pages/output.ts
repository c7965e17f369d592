/**
 * A run's console output: the tail first (output logs can be huge), "Load more" for
 * earlier lines (up to the server's 1 MiB per answer; the whole log is a download), and,
 * while the run is live, new text appended from the last byte read. Lines show without
 * their timestamp prefix (a "Timestamps" box brings them back), stderr lines marked.
 */
import { ApiError } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { formatBytes } from '../format.js';
import { OutputLine, outputSegments, parseOutput } from '../outputlog.js';
import { PageContext } from './common.js';

const FIRST_TAIL = 500;

export class OutputView {
  readonly element: HTMLElement;
  private readonly pre: HTMLPreElement;
  private readonly more: HTMLButtonElement;
  private readonly info: HTMLElement;
  private readonly stamps: HTMLInputElement;
  private readonly stampsLabel: HTMLLabelElement;
  private lines: OutputLine[] = [];
  private tail = FIRST_TAIL;
  private nextOffset: number | null = null;
  private firstOffset: number | null = null;

  constructor(
    private readonly ctx: PageContext,
    private readonly run: { entity: string; project: string; runId: string }
  ) {
    this.pre = el('pre', {
      class: 'output',
      'data-testid': 'output',
      tabindex: 0
    });
    this.more = el('button', { type: 'button', hidden: true }, 'Load more');
    this.more.addEventListener('click', () => {
      this.tail *= 4;
      void this.load();
    });
    this.info = el('span', { class: 'muted' });
    this.stamps = el('input', {
      type: 'checkbox',
      'data-testid': 'output-timestamps'
    });
    this.stamps.addEventListener('change', () =>
      replaceChildren(this.pre, this.draw(this.lines))
    );
    this.stampsLabel = el(
      'label',
      { class: 'check', hidden: true },
      this.stamps,
      'Timestamps'
    );
    const download = el(
      'a',
      {
        href: ctx.api.fileUrl(run.entity, run.project, run.runId, 'output.log')
      },
      'Download output.log'
    );
    this.element = el(
      'div',
      {},
      el(
        'div',
        { class: 'toolbar' },
        this.more,
        this.info,
        this.stampsLabel,
        download
      ),
      this.pre
    );
  }

  /** Nodes for `lines`: stderr text in a span of its own, timestamps only when asked for. */
  private draw(lines: readonly OutputLine[]): DocumentFragment {
    const fragment = document.createDocumentFragment();
    for (const segment of outputSegments(lines, this.stamps.checked)) {
      fragment.appendChild(
        segment.kind === 'stdout'
          ? document.createTextNode(segment.text)
          : el('span', { class: `output-${segment.kind}` }, segment.text)
      );
    }
    return fragment;
  }

  /** Keep `added` (parsed after what is shown) and offer the timestamps box once a line has one. */
  private keep(added: OutputLine[]): void {
    for (const line of added) {
      this.lines.push(line);
    } // no spread: a log slice can hold 100k lines
    if (this.stampsLabel.hidden && added.some(line => line.stamp !== null)) {
      this.stampsLabel.hidden = false;
    }
  }

  /** (Re)load the last `tail` lines. */
  async load(): Promise<void> {
    const { entity, project, runId } = this.run;
    try {
      const answer = await this.ctx.api.output(entity, project, runId, {
        tail: this.tail
      });
      if (!this.ctx.alive) {
        return;
      }
      // an answer holds at most 1 MiB: when more lines no longer reach further back, stop offering them
      const reachedBack =
        this.firstOffset === null || answer.offset < this.firstOffset;
      this.firstOffset = answer.offset;
      this.lines = [];
      this.keep(parseOutput(answer.text));
      replaceChildren(this.pre, this.draw(this.lines));
      this.nextOffset = answer.next_offset;
      this.more.hidden = answer.offset <= 0 || !reachedBack;
      this.info.textContent = answer.size
        ? `${formatBytes(answer.size - answer.offset)} of ${formatBytes(answer.size)}`
        : '';
      if (!answer.text) {
        this.pre.textContent = '';
        this.info.textContent = 'No console output.';
      }
      this.pre.scrollTop = this.pre.scrollHeight;
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'notfound') {
        this.info.textContent = 'No console output.';
        return;
      }
      throw err;
    }
  }

  /** Append what was written since the last read (live runs). */
  async poll(): Promise<void> {
    if (this.nextOffset === null) {
      return this.load();
    }
    const { entity, project, runId } = this.run;
    const answer = await this.ctx.api.output(entity, project, runId, {
      offset: this.nextOffset
    });
    if (!this.ctx.alive || !answer.text) {
      return;
    }
    const atBottom =
      this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    const added = parseOutput(
      answer.text,
      this.lines[this.lines.length - 1] ?? null
    );
    this.keep(added);
    this.pre.appendChild(this.draw(added));
    this.nextOffset = answer.next_offset;
    this.info.textContent = `${formatBytes(answer.size)}`;
    if (atBottom) {
      this.pre.scrollTop = this.pre.scrollHeight;
    }
  }
}
