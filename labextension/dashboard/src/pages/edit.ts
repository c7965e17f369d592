/**
 * Editing a run from its page: name, tags and notes (a Markdown editor with a preview), and
 * deleting it after a confirmation, with a few seconds to undo before the request is sent
 * (sent at once when the user leaves the page meanwhile). The server decides who may: a
 * refusal is shown next to the form.
 */
import type { RunDetail } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { PageContext } from './common.js';

type RunRoute = { entity: string; project: string; runId: string };

/** How long a deletion can be undone, in ms. */
export const UNDO_MS = 8000;

/** Tags typed as "a, b c" -> ["a", "b", "c"] (commas or spaces; duplicates once). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export function runEditor(
  ctx: PageContext,
  route: RunRoute,
  run: RunDetail
): HTMLElement {
  const problem = el('p', {
    class: 'filter-error',
    'data-testid': 'edit-error',
    hidden: true
  });
  const fail = (error: unknown): void => {
    problem.hidden = false;
    problem.textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`;
  };
  const name = el('input', {
    type: 'text',
    value: run.name,
    'aria-label': 'Run name',
    'data-testid': 'edit-name'
  });
  const tags = el('input', {
    type: 'text',
    value: run.tags.join(', '),
    placeholder: 'tags, separated by commas',
    'aria-label': 'Tags',
    'data-testid': 'edit-tags'
  });
  const notes = el('textarea', {
    rows: 8,
    'aria-label': 'Notes (Markdown)',
    'data-testid': 'edit-notes'
  });
  notes.value = run.notes ?? '';
  const preview = el('div', {
    class: 'markdown notes-preview',
    'data-testid': 'notes-preview',
    hidden: true
  });
  const previewBox = el('input', {
    type: 'checkbox',
    'data-testid': 'notes-preview-toggle'
  });
  previewBox.addEventListener('change', () => {
    preview.hidden = !previewBox.checked;
    notes.hidden = previewBox.checked;
    replaceChildren(preview, renderMarkdown(notes.value));
  });
  const save = el(
    'button',
    { type: 'button', 'data-testid': 'edit-save' },
    'Save'
  );
  save.addEventListener('click', async () => {
    problem.hidden = true;
    try {
      await ctx.api.editRun(route.entity, route.project, route.runId, {
        name: name.value,
        tags: parseTags(tags.value),
        notes: notes.value
      });
      window.location.reload();
    } catch (error) {
      fail(error);
    }
  });
  const remove = el(
    'button',
    { type: 'button', class: 'danger', 'data-testid': 'delete-run' },
    'Delete run…'
  );
  const undoBar = el('div', {
    class: 'undo-bar',
    'data-testid': 'undo-bar',
    hidden: true
  });
  remove.addEventListener('click', () => {
    if (
      !window.confirm(
        `Delete the run "${run.name}" and all its files? You can undo for ${UNDO_MS / 1000} s.`
      )
    ) {
      return;
    }
    let done = false;
    const send = (keepalive: boolean): void => {
      if (done) {
        return;
      }
      done = true;
      window.clearTimeout(timer);
      window.removeEventListener('pagehide', onHide);
      void ctx.api
        .deleteRun(route.entity, route.project, route.runId, keepalive)
        .then(
          () => {
            if (!keepalive) {
              window.location.assign(
                ctx.href({
                  page: 'project',
                  entity: route.entity,
                  project: route.project,
                  compare: []
                })
              );
            }
          },
          error => {
            undoBar.hidden = true;
            fail(error);
          }
        );
    };
    const onHide = (): void => send(true);
    const timer = window.setTimeout(() => send(false), UNDO_MS);
    window.addEventListener('pagehide', onHide);
    ctx.onDispose(() => send(true));
    const undo = el(
      'button',
      { type: 'button', 'data-testid': 'undo-delete' },
      'Undo'
    );
    undo.addEventListener('click', () => {
      done = true;
      window.clearTimeout(timer);
      window.removeEventListener('pagehide', onHide);
      undoBar.hidden = true;
    });
    replaceChildren(
      undoBar,
      `The run will be deleted in ${UNDO_MS / 1000} s. `,
      undo
    );
    undoBar.hidden = false;
  });
  return el(
    'details',
    { class: 'editor', 'data-testid': 'editor' },
    el('summary', {}, 'Edit run'),
    el('label', { class: 'field' }, 'Name ', name),
    el('label', { class: 'field' }, 'Tags ', tags),
    el(
      'div',
      { class: 'field' },
      el('span', {}, 'Notes (Markdown) '),
      el('label', { class: 'check' }, previewBox, 'Preview'),
      notes,
      preview
    ),
    el('div', { class: 'toolbar' }, save, remove),
    problem,
    undoBar
  );
}
