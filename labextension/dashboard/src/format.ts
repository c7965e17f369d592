/**
 * Number, duration, date and size formatting shared by tables, charts and tooltips.
 * Pure functions: the same value always reads the same way on every page.
 */

function trimZeros(text: string): string {
  // "1.2500" -> "1.25", "3.000e-5" -> "3e-5"; leaves integers alone.
  return text.replace(/\.(\d*?)0+(?=$|e)/, (_m, digits: string) =>
    digits ? `.${digits}` : ''
  );
}

/** A number for a table or tooltip: exact integers, else 6 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '-∞';
  }
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e15) {
    return String(value);
  }
  if (abs >= 1e9 || (abs > 0 && abs < 1e-4)) {
    return trimZeros(value.toExponential(4));
  }
  return trimZeros(value.toPrecision(6));
}

/** Any config or summary value as one line of text. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return value === null ? 'null' : '';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return JSON.stringify(value);
}

/** Decimals needed to tell ticks `step` apart (0.25 -> 2, 5 -> 0). */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) {
    return 0;
  }
  let decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  while (
    decimals < 12 &&
    Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6
  ) {
    decimals += 1;
  }
  return decimals;
}

const SI_UNITS: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k']
];

/**
 * An axis label for `value` among ticks `step` apart whose largest magnitude is `maxAbs`:
 * SI suffixes on big axes (800k, 1M, 1.2M), exponents on tiny ones, else fixed decimals.
 */
export function formatTick(
  value: number,
  step: number,
  maxAbs: number
): string {
  if (value === 0) {
    return '0';
  }
  if (maxAbs >= 1e4) {
    const [unit, suffix] = SI_UNITS.find(([u]) => Math.abs(value) >= u) ?? [
      1,
      ''
    ];
    return `${trimZeros((value / unit).toFixed(decimalsFor(step / unit)))}${suffix}`;
  }
  if (maxAbs < 1e-3) {
    return trimZeros(
      value.toExponential(Math.min(6, Math.max(1, decimalsFor(step / maxAbs))))
    );
  }
  return value.toFixed(decimalsFor(step));
}

/** A length of time in seconds: "250ms", "1.5s", "42s", "3m 5s", "2h 3m", "3d 4h". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return '';
  }
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  if (abs === 0) {
    return '0s';
  }
  if (abs < 1) {
    return `${sign}${Math.round(abs * 1000)}ms`;
  }
  if (abs < 10 && !Number.isInteger(abs)) {
    return `${sign}${trimZeros(abs.toFixed(1))}s`;
  }
  const total = Math.round(abs);
  const units: [number, string][] = [
    [Math.floor(total / 86400), 'd'],
    [Math.floor((total % 86400) / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's']
  ];
  const first = units.findIndex(([n]) => n > 0);
  const shown = units
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0);
  return sign + shown.map(([n, u]) => `${n}${u}`).join(' ');
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local date and time of an epoch (seconds): "2024-05-01 13:04", with seconds on request. */
export function formatDate(
  epochSeconds: number | null | undefined,
  withSeconds = false
): string {
  if (
    epochSeconds === null ||
    epochSeconds === undefined ||
    !Number.isFinite(epochSeconds)
  ) {
    return '';
  }
  const d = new Date(epochSeconds * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return `${date} ${time}${withSeconds ? `:${pad2(d.getSeconds())}` : ''}`;
}

/** Clock label of a wall-time axis tick, as precise as the tick spacing needs. */
export function formatClock(epochSeconds: number, stepSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  if (stepSeconds >= 86400) {
    return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  }
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (stepSeconds >= 60) {
    return hm;
  }
  const hms = `${hm}:${pad2(d.getSeconds())}`;
  if (stepSeconds >= 1) {
    return hms;
  }
  const digits = Math.min(3, decimalsFor(stepSeconds));
  const fraction = (epochSeconds - Math.floor(epochSeconds))
    .toFixed(digits)
    .slice(1);
  return `${hms}${fraction}`;
}

/** "How long ago" for recent times, falling back to the date after a week. */
export function formatAgo(
  epochSeconds: number | null | undefined,
  nowSeconds: number
): string {
  if (
    epochSeconds === null ||
    epochSeconds === undefined ||
    !Number.isFinite(epochSeconds)
  ) {
    return '';
  }
  const age = nowSeconds - epochSeconds;
  if (age < 0 || age >= 7 * 86400) {
    return formatDate(epochSeconds);
  }
  if (age < 60) {
    return 'just now';
  }
  return `${formatDuration(age).split(' ')[0]} ago`;
}

/** File sizes in binary units: "512 B", "1.5 KiB", "3.2 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) {
    return `${Number.isFinite(bytes) ? bytes : 0} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${trimZeros(value.toFixed(1))} ${units[unit]}`;
}

/** Nested objects as dotted keys ({git: {commit: "a"}} -> {"git.commit": "a"}), lists kept whole. */
export function flattenObject(
  value: Readonly<Record<string, unknown>>,
  prefix = ''
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.keys(v).length
    ) {
      Object.assign(
        out,
        flattenObject(v as Record<string, unknown>, `${prefix}${key}.`)
      );
    } else {
      out[`${prefix}${key}`] = v;
    }
  }
  return out;
}
