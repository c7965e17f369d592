/**
 * Lines of a run's output.log, as the console view shows them.
 *
 * Our client writes each line as `<UTC ISO timestamp> <text>`, stderr lines as
 * `ERROR <timestamp> <text>` (the marking W&B's file stream uses, so the W&B SDK's
 * streamed lines look the same). The view shows the text alone, stderr lines marked,
 * and the timestamps on request. Lines without that prefix (the W&B SDK's own local
 * output.log) are shown exactly as they are. Pure functions: the DOM is output.ts's.
 */

/** One line: its text (no prefix, no newline), its timestamp if it had one, its stream. */
export interface OutputLine {
  readonly text: string;
  readonly stamp: string | null;
  readonly stderr: boolean;
  /** Ended with a newline; false for the last line of a chunk still being written. */
  readonly complete: boolean;
}

/** One run of text the view draws alike: plain text, stderr text, or a timestamp. */
export interface OutputSegment {
  readonly kind: 'stdout' | 'stderr' | 'stamp';
  readonly text: string;
}

// 2024-05-01T12:30:45.123456, with or without the fraction and a zone (Z, +00:00)
const PREFIX =
  /^(ERROR )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) /;

/** The line `raw` (no newline) with its prefix taken apart; unprefixed lines unchanged. */
export function parseOutputLine(raw: string, complete = true): OutputLine {
  const match = PREFIX.exec(raw);
  if (!match) {
    return { text: raw, stamp: null, stderr: false, complete };
  }
  return {
    text: raw.slice(match[0].length),
    stamp: match[2],
    stderr: match[1] !== undefined,
    complete
  };
}

/**
 * The lines of `text`, a slice of output.log. `previous` is the last line shown before it:
 * when that one was cut mid-line, the slice's first line continues it (same stream, no prefix).
 */
export function parseOutput(
  text: string,
  previous: OutputLine | null = null
): OutputLine[] {
  if (!text) {
    return [];
  }
  const parts = text.split('\n');
  const lines: OutputLine[] = [];
  parts.forEach((part, index) => {
    const complete = index < parts.length - 1;
    if (!complete && part === '') {
      return;
    } // the text ended with a newline
    if (index === 0 && previous !== null && !previous.complete) {
      lines.push({
        text: part,
        stamp: null,
        stderr: previous.stderr,
        complete
      });
    } else {
      lines.push(parseOutputLine(part, complete));
    }
  });
  return lines;
}

/**
 * What to draw for `lines`: timestamps only when `stamps` is on, and neighbours of one kind
 * merged, so a long log costs a few nodes rather than one per line.
 */
export function outputSegments(
  lines: readonly OutputLine[],
  stamps: boolean
): OutputSegment[] {
  const segments: OutputSegment[] = [];
  const add = (kind: OutputSegment['kind'], text: string): void => {
    if (!text) {
      return;
    }
    const last = segments[segments.length - 1];
    if (last !== undefined && last.kind === kind) {
      segments[segments.length - 1] = { kind, text: last.text + text };
    } else {
      segments.push({ kind, text });
    }
  };
  for (const line of lines) {
    if (stamps && line.stamp !== null) {
      add('stamp', `${line.stamp} `);
    }
    add(
      line.stderr ? 'stderr' : 'stdout',
      line.complete ? `${line.text}\n` : line.text
    );
  }
  return segments;
}
