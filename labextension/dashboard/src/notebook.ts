/**
 * A saved notebook (.ipynb, nbformat 4) reduced to what the files view shows: markdown
 * cells, code cells with their text and PNG/JPEG outputs. HTML, JavaScript and SVG outputs
 * are never rendered (their text/plain form is shown instead), so a notebook cannot run
 * anything in the dashboard.
 */

export type CellOutput =
  | { readonly kind: 'text'; readonly text: string; readonly error: boolean }
  | { readonly kind: 'image'; readonly src: string };

export type Cell =
  | { readonly kind: 'markdown'; readonly source: string }
  | {
      readonly kind: 'code';
      readonly source: string;
      readonly count: number | null;
      readonly outputs: readonly CellOutput[];
    };

function joinSource(value: unknown): string {
  if (Array.isArray(value)) {
    return value.filter(v => typeof v === 'string').join('');
  }
  return typeof value === 'string' ? value : '';
}

/** Terminal colour codes (tracebacks are full of them) removed. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

const IMAGE_TYPES = ['image/png', 'image/jpeg'];

/** A data: URL for base64 image data, or null when it is not plain base64. */
export function imageDataUrl(mime: string, data: unknown): string | null {
  const base64 = joinSource(data).replace(/\s+/g, '');
  if (
    !IMAGE_TYPES.includes(mime) ||
    !base64 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)
  ) {
    return null;
  }
  return `data:${mime};base64,${base64}`;
}

function parseOutput(raw: Record<string, unknown>): CellOutput | null {
  switch (raw.output_type) {
    case 'stream':
      return {
        kind: 'text',
        text: stripAnsi(joinSource(raw.text)),
        error: raw.name === 'stderr'
      };
    case 'error': {
      const trace = Array.isArray(raw.traceback)
        ? raw.traceback.filter(t => typeof t === 'string').join('\n')
        : '';
      return {
        kind: 'text',
        text: stripAnsi(trace || `${String(raw.ename)}: ${String(raw.evalue)}`),
        error: true
      };
    }
    case 'execute_result':
    case 'display_data': {
      const data = (raw.data ?? {}) as Record<string, unknown>;
      for (const mime of IMAGE_TYPES) {
        const src = mime in data ? imageDataUrl(mime, data[mime]) : null;
        if (src) {
          return { kind: 'image', src };
        }
      }
      const text = joinSource(data['text/plain']);
      return text
        ? { kind: 'text', text: stripAnsi(text), error: false }
        : null;
    }
    default:
      return null;
  }
}

/** The cells of a notebook's JSON text; throws on text that is not a notebook. */
export function parseNotebook(json: string): Cell[] {
  const nb = JSON.parse(json) as { cells?: unknown };
  if (!nb || !Array.isArray(nb.cells)) {
    throw new Error('not a notebook (no cells)');
  }
  const cells: Cell[] = [];
  for (const raw of nb.cells as Record<string, unknown>[]) {
    const source = joinSource(raw?.source);
    if (raw?.cell_type === 'markdown') {
      cells.push({ kind: 'markdown', source });
    } else if (raw?.cell_type === 'code') {
      const outputs = (Array.isArray(raw.outputs) ? raw.outputs : [])
        .map(o => parseOutput((o ?? {}) as Record<string, unknown>))
        .filter((o): o is CellOutput => o !== null);
      const count =
        typeof raw.execution_count === 'number' ? raw.execution_count : null;
      cells.push({ kind: 'code', source, count, outputs });
    } else if (source) {
      cells.push({ kind: 'code', source, count: null, outputs: [] });
    }
  }
  return cells;
}
