/**
 * Hyperparameter views' geometry: an axis per parameter or metric (numeric, log when its
 * positive values span three decades or more, else categories in natural order) and the
 * place of a value on it, for the parallel coordinates and the scatter of the project page.
 */
import { formatValue } from './format.js';

export type ParamAxis =
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly log: boolean;
    }
  | { readonly kind: 'category'; readonly categories: readonly string[] };

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The axis that fits these values (undefined/null ones are left out). */
export function paramAxis(values: readonly unknown[]): ParamAxis {
  const present = values.filter(v => v !== undefined && v !== null);
  if (present.length && present.every(finite)) {
    const numbers = present as number[];
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const log = min > 0 && max / min >= 1000;
    return { kind: 'number', min, max, log };
  }
  const categories = [...new Set(present.map(v => formatValue(v)))].sort(
    (a, b) => a.localeCompare(b, undefined, { numeric: true })
  );
  return { kind: 'category', categories };
}

/** Where a value sits on an axis, 0 (bottom/left) to 1; null when it is not on it. */
export function axisPosition(axis: ParamAxis, value: unknown): number | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (axis.kind === 'number') {
    if (!finite(value)) {
      return null;
    }
    if (axis.max === axis.min) {
      return 0.5;
    }
    return axis.log
      ? (Math.log10(value) - Math.log10(axis.min)) /
          (Math.log10(axis.max) - Math.log10(axis.min))
      : (value - axis.min) / (axis.max - axis.min);
  }
  const at = axis.categories.indexOf(formatValue(value));
  if (at < 0) {
    return null;
  }
  return axis.categories.length === 1 ? 0.5 : at / (axis.categories.length - 1);
}

/** Labels of an axis' ends (numbers) or of its categories, with their positions. */
export function axisLabels(axis: ParamAxis): { pos: number; label: string }[] {
  if (axis.kind === 'number') {
    return axis.max === axis.min
      ? [{ pos: 0.5, label: formatValue(axis.min) }]
      : [
          { pos: 0, label: formatValue(axis.min) },
          { pos: 1, label: formatValue(axis.max) }
        ];
  }
  const every = Math.max(1, Math.ceil(axis.categories.length / 12));
  return axis.categories
    .map((label, i) => ({ pos: axisPosition(axis, label) ?? 0, label, i }))
    .filter(item => item.i % every === 0)
    .map(({ pos, label }) => ({ pos, label }));
}

/** A colour from blue (0) to orange (1) for a metric's position. */
export function rampColor(t: number): string {
  const clamped = Math.min(Math.max(t, 0), 1);
  const from = [31, 119, 180];
  const to = [255, 127, 14];
  const mix = from.map((c, i) => Math.round(c + (to[i] - c) * clamped));
  return `rgb(${mix.join(',')})`;
}
