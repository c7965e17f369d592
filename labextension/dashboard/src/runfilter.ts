/**
 * Filter expressions of the runs table, parsed here and evaluated per row:
 *
 *   lr=0.01   val/acc>0.9   tags:best   state:failed   name~resnet   "two words"
 *   lr=0.01 and (state:finished or tags:keep)   not tags:junk
 *
 * A key is a fixed field (name, id, state, tags, group, job_type, user, runtime,
 * created), `config.KEY`, `summary.KEY`, or a bare KEY looked up in the config first and
 * then the summary. Operators: = != > >= < <= (numbers compare as numbers, text without
 * case), `:` (a tag among the tags, else equality) and `~` (contains). Terms side by side
 * mean "and"; `and`, `or`, `not` and parentheses combine them. A word that is not a
 * comparison searches the row's text, as the plain filter did.
 */
import type { RunRow } from './api.js';
import { formatValue } from './format.js';

export type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | ':' | '~';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly parts: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly part: FilterNode }
  | {
      readonly kind: 'compare';
      readonly key: string;
      readonly op: Op;
      readonly value: string;
    }
  | { readonly kind: 'text'; readonly text: string };

export class FilterError extends Error {}

type Token =
  | { readonly type: 'word'; readonly text: string; readonly quoted: boolean }
  | { readonly type: 'op'; readonly text: Op }
  | { readonly type: '(' }
  | { readonly type: ')' };

const OPS: readonly Op[] = ['>=', '<=', '!=', '=', '>', '<', ':', '~'];

/** Words (quoted ones may hold spaces and operators), operators and parentheses. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push(c === '(' ? { type: '(' } : { type: ')' });
      i++;
    } else if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0) {
        throw new FilterError(`unclosed quote ${c}`);
      }
      tokens.push({
        type: 'word',
        text: source.slice(i + 1, end),
        quoted: true
      });
      i = end + 1;
    } else {
      const op = OPS.find(o => source.startsWith(o, i));
      if (op) {
        tokens.push({ type: 'op', text: op });
        i += op.length;
        continue;
      }
      let j = i;
      while (
        j < source.length &&
        !/[\s()"']/.test(source[j]) &&
        !OPS.some(o => source.startsWith(o, j))
      ) {
        j++;
      }
      tokens.push({ type: 'word', text: source.slice(i, j), quoted: false });
      i = j;
    }
  }
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not']);

/** The expression's tree; null for an empty filter. Throws FilterError on bad syntax. */
export function parseFilter(source: string): FilterNode | null {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const keyword = (word: string): boolean => {
    const t = peek();
    return t?.type === 'word' && !t.quoted && t.text.toLowerCase() === word;
  };

  const parseOr = (): FilterNode => {
    const parts = [parseAnd()];
    while (keyword('or')) {
      at++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  };

  const parseAnd = (): FilterNode => {
    const parts = [parseUnary()];
    for (;;) {
      if (keyword('and')) {
        at++;
        parts.push(parseUnary());
      } else if (peek() && peek()?.type !== ')' && !keyword('or')) {
        parts.push(parseUnary());
      } else {
        break;
      }
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  };

  const parseUnary = (): FilterNode => {
    if (keyword('not')) {
      at++;
      return { kind: 'not', part: parseUnary() };
    }
    const t = peek();
    if (!t) {
      throw new FilterError('the expression ends too early');
    }
    if (t.type === '(') {
      at++;
      const inner = parseOr();
      if (peek()?.type !== ')') {
        throw new FilterError('missing )');
      }
      at++;
      return inner;
    }
    if (t.type === ')') {
      throw new FilterError('unexpected )');
    }
    if (t.type === 'op') {
      throw new FilterError(`a key is missing before ${t.text}`);
    }
    at++;
    const next = peek();
    if (next?.type === 'op') {
      at++;
      const value = peek();
      if (value?.type !== 'word') {
        throw new FilterError(`a value is missing after ${t.text}${next.text}`);
      }
      at++;
      return { kind: 'compare', key: t.text, op: next.text, value: value.text };
    }
    if (!t.quoted && KEYWORDS.has(t.text.toLowerCase())) {
      throw new FilterError(`"${t.text}" needs terms on both sides`);
    }
    return { kind: 'text', text: t.text };
  };

  if (!tokens.length) {
    return null;
  }
  const tree = parseOr();
  if (at < tokens.length) {
    throw new FilterError('unexpected )');
  }
  return tree;
}

const FIELDS: Record<string, (row: RunRow) => unknown> = {
  name: row => row.name,
  id: row => row.id,
  state: row => row.state,
  tags: row => row.tags,
  tag: row => row.tags,
  group: row => row.group,
  job_type: row => row.job_type,
  jobtype: row => row.job_type,
  user: row => row.user,
  runtime: row => row.runtime,
  created: row => row.created_at
};

/** The value a filter key names in a row (undefined when the row has none). */
export function filterValue(row: RunRow, key: string): unknown {
  const field = FIELDS[key.toLowerCase()];
  if (field) {
    return field(row);
  }
  if (key.startsWith('config.') && key.slice(7) in row.config) {
    return row.config[key.slice(7)];
  }
  if (key.startsWith('summary.') && key.slice(8) in row.summary) {
    return row.summary[key.slice(8)];
  }
  return key in row.config ? row.config[key] : row.summary[key];
}

function asNumber(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'boolean') {
    return null;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function text(value: unknown): string {
  return (typeof value === 'string' ? value : formatValue(value)).toLowerCase();
}

function compare(actual: unknown, op: Op, expected: string): boolean {
  if (Array.isArray(actual) && (op === ':' || op === '=' || op === '!=')) {
    const has = actual.some(item => text(item) === expected.toLowerCase());
    return op === '!=' ? !has : has;
  }
  if (actual === undefined || actual === null) {
    return op === '!=' ? expected !== '' : false;
  }
  const a = asNumber(actual);
  const b = asNumber(expected);
  switch (op) {
    case '~':
      return text(actual).includes(expected.toLowerCase());
    case '=':
    case ':':
      return a !== null && b !== null
        ? a === b
        : text(actual) === expected.toLowerCase();
    case '!=':
      return a !== null && b !== null
        ? a !== b
        : text(actual) !== expected.toLowerCase();
    default: {
      if (a === null || b === null) {
        const order = text(actual).localeCompare(expected.toLowerCase());
        return op === '>'
          ? order > 0
          : op === '>='
            ? order >= 0
            : op === '<'
              ? order < 0
              : order <= 0;
      }
      return op === '>'
        ? a > b
        : op === '>='
          ? a >= b
          : op === '<'
            ? a < b
            : a <= b;
    }
  }
}

/** Does `row` pass the filter? `search` is the row's lower-case text for bare words. */
export function matches(
  node: FilterNode,
  row: RunRow,
  search: () => string
): boolean {
  switch (node.kind) {
    case 'and':
      return node.parts.every(part => matches(part, row, search));
    case 'or':
      return node.parts.some(part => matches(part, row, search));
    case 'not':
      return !matches(node.part, row, search);
    case 'compare':
      return compare(filterValue(row, node.key), node.op, node.value);
    case 'text':
      return search().includes(node.text.toLowerCase());
  }
}
