import {
  decimalsFor,
  flattenObject,
  formatAgo,
  formatBytes,
  formatClock,
  formatDate,
  formatDuration,
  formatNumber,
  formatTick,
  formatValue
} from '../src/format';

describe('formatNumber', () => {
  it('keeps integers exact and gives other numbers 6 significant digits', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-1234567)).toBe('-1234567');
    expect(formatNumber(0.123456789)).toBe('0.123457');
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(1 / 3)).toBe('0.333333');
  });

  it('switches to exponents for very large and very small values', () => {
    expect(formatNumber(1.5e-7)).toBe('1.5e-7');
    expect(formatNumber(3.25e12 + 0.5)).toBe('3.25e+12');
    expect(formatNumber(1e20)).toBe('1e+20');
  });

  it('names the non-finite values', () => {
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });
});

describe('formatValue', () => {
  it('shows each JSON type as one line', () => {
    expect(formatValue('adam')).toBe('adam');
    expect(formatValue(0.001)).toBe('0.001');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(undefined)).toBe('');
    expect(formatValue([1, 2])).toBe('[1,2]');
    expect(formatValue({ a: 'b' })).toBe('{"a":"b"}');
  });
});

describe('tick labels', () => {
  it('uses as many decimals as the step needs', () => {
    expect(decimalsFor(5)).toBe(0);
    expect(decimalsFor(0.2)).toBe(1);
    expect(decimalsFor(0.25)).toBe(2);
    expect(decimalsFor(0.001)).toBe(3);
    expect(formatTick(0.4, 0.2, 1)).toBe('0.4');
    expect(formatTick(0.75, 0.25, 1)).toBe('0.75');
  });

  it('abbreviates big axes with SI suffixes and tiny ones with exponents', () => {
    expect(formatTick(200000, 100000, 1e6)).toBe('200k');
    expect(formatTick(1500000, 500000, 2e6)).toBe('1.5M');
    expect(formatTick(1000000, 200000, 1e6)).toBe('1M');
    expect(formatTick(-40000, 20000, 40000)).toBe('-40k');
    expect(formatTick(0, 100000, 1e6)).toBe('0');
    expect(formatTick(0.0002, 0.0001, 0.0005)).toBe('2e-4');
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(1.5)).toBe('1.5s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(60)).toBe('1m');
    expect(formatDuration(185)).toBe('3m 5s');
    expect(formatDuration(7380)).toBe('2h 3m');
    expect(formatDuration(7200)).toBe('2h');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatDuration(-90)).toBe('-1m 30s');
  });
});

describe('dates (time zone pinned to UTC by jest.config.js)', () => {
  const t = Date.UTC(2024, 4, 1, 13, 4, 9) / 1000;

  it('formats dates with optional seconds', () => {
    expect(formatDate(t)).toBe('2024-05-01 13:04');
    expect(formatDate(t, true)).toBe('2024-05-01 13:04:09');
    expect(formatDate(null)).toBe('');
  });

  it('gives clock labels as precise as the tick step', () => {
    expect(formatClock(t, 10)).toBe('13:04:09');
    expect(formatClock(t, 600)).toBe('13:04');
    expect(formatClock(t, 86400)).toBe('05-01');
    expect(formatClock(t + 0.25, 0.05)).toBe('13:04:09.25');
    expect(formatClock(t + 0.002, 0.001)).toBe('13:04:09.002');
  });

  it('says how long ago, then the date after a week', () => {
    expect(formatAgo(t, t + 5)).toBe('just now');
    expect(formatAgo(t, t + 300)).toBe('5m ago');
    expect(formatAgo(t, t + 3 * 3600 + 60)).toBe('3h ago');
    expect(formatAgo(t, t + 8 * 86400)).toBe('2024-05-01 13:04');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MiB');
  });
});

describe('flattenObject', () => {
  it('turns nested objects into dotted keys and keeps lists and empty objects', () => {
    expect(
      flattenObject({
        git: { commit: 'abc', remote: 'r' },
        args: ['--lr', '1'],
        gpu: {},
        os: 'Linux'
      })
    ).toEqual({
      'git.commit': 'abc',
      'git.remote': 'r',
      args: ['--lr', '1'],
      gpu: {},
      os: 'Linux'
    });
  });
});
