/**
 * A run's files: download links, and a viewer for text files: notebooks rendered (markdown
 * cells through our renderer, code and text outputs as text, PNG/JPEG outputs as data: images),
 * Markdown rendered, everything else shown as plain text.
 */
import type { FileInfo } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { formatBytes, formatDate } from '../format.js';
import { renderMarkdown } from '../markdown.js';
import { Cell, parseNotebook } from '../notebook.js';
import { PageContext } from './common.js';

/** Kinds the server serves inline as text (see the API's `?inline=1`). */
const VIEWABLE = [
  '.ipynb',
  '.json',
  '.txt',
  '.log',
  '.yaml',
  '.yml',
  '.md',
  '.py'
];
const MAX_VIEW_BYTES = 8 * 1024 * 1024;

export function isViewable(file: FileInfo): boolean {
  const lower = file.name.toLowerCase();
  return (
    file.size <= MAX_VIEW_BYTES && VIEWABLE.some(ext => lower.endsWith(ext))
  );
}

function renderCell(cell: Cell): HTMLElement {
  if (cell.kind === 'markdown') {
    return el(
      'div',
      { class: 'nb-cell nb-markdown markdown' },
      renderMarkdown(cell.source)
    );
  }
  const outputs = cell.outputs.map(output =>
    output.kind === 'image'
      ? el('img', { src: output.src, alt: 'cell output', class: 'nb-image' })
      : el(
          'pre',
          { class: output.error ? 'nb-output nb-error' : 'nb-output' },
          output.text
        )
  );
  return el(
    'div',
    { class: 'nb-cell nb-code' },
    el(
      'div',
      { class: 'nb-prompt' },
      cell.count === null ? '[ ]' : `[${cell.count}]`
    ),
    el('pre', { class: 'nb-source' }, cell.source),
    ...outputs
  );
}

/** The rendered content of a text file. */
export function fileContent(name: string, text: string): HTMLElement {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ipynb')) {
    try {
      return el(
        'div',
        { class: 'notebook' },
        ...parseNotebook(text).map(renderCell)
      );
    } catch (err) {
      return el(
        'div',
        {},
        el(
          'p',
          { class: 'muted' },
          `Not readable as a notebook (${String(err)}); raw text:`
        ),
        el('pre', { class: 'file-text' }, text)
      );
    }
  }
  if (lower.endsWith('.md')) {
    return el('div', { class: 'markdown' }, renderMarkdown(text));
  }
  return el('pre', { class: 'file-text' }, text);
}

export function filesView(
  ctx: PageContext,
  run: { entity: string; project: string; runId: string },
  files: readonly FileInfo[]
): HTMLElement {
  const viewer = el('div', {
    class: 'file-view',
    'data-testid': 'file-view',
    hidden: true
  });
  const show = async (file: FileInfo): Promise<void> => {
    viewer.hidden = false;
    replaceChildren(
      viewer,
      el('p', { class: 'muted' }, `Loading ${file.name}…`)
    );
    try {
      const text = await ctx.api.fileText(
        run.entity,
        run.project,
        run.runId,
        file.name
      );
      if (!ctx.alive) {
        return;
      }
      replaceChildren(
        viewer,
        el('h3', {}, file.name),
        fileContent(file.name, text)
      );
    } catch (err) {
      replaceChildren(
        viewer,
        el(
          'p',
          { class: 'error' },
          `Cannot show ${file.name}: ${err instanceof Error ? err.message : String(err)}`
        )
      );
    }
    viewer.scrollIntoView({ block: 'nearest' });
  };
  if (!files.length) {
    return el('p', { class: 'empty' }, 'No files.');
  }
  const sorted = [...files].sort((a, b) =>
    a.name.localeCompare(b.name, undefined, { numeric: true })
  );
  const rows = sorted.map(file => {
    const view = isViewable(file)
      ? el('button', { type: 'button', class: 'link-button' }, 'View')
      : null;
    view?.addEventListener('click', () => void show(file));
    return el(
      'tr',
      { 'data-testid': 'file-row', 'data-name': file.name },
      el(
        'td',
        {},
        el(
          'a',
          {
            href: ctx.api.fileUrl(
              run.entity,
              run.project,
              run.runId,
              file.name
            ),
            download: file.name.split('/').pop()
          },
          file.name
        )
      ),
      el('td', { class: 'num' }, formatBytes(file.size)),
      el('td', {}, formatDate(file.mtime)),
      el('td', {}, view)
    );
  });
  return el(
    'div',
    {},
    el(
      'table',
      { class: 'grid', 'data-testid': 'files' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'Name'),
          el('th', { class: 'num' }, 'Size'),
          el('th', {}, 'Modified'),
          el('th', {})
        )
      ),
      el('tbody', {}, ...rows)
    ),
    viewer
  );
}
