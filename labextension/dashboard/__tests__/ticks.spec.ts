import { axisTicks, clockStep, niceStep } from '../src/ticks';

const values = (ticks: { value: number }[]): number[] =>
  ticks.map(t => t.value);
const labels = (ticks: { label: string }[]): string[] =>
  ticks.map(t => t.label);

describe('niceStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(100, 4)).toBe(50);
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(0.003, 3)).toBe(0.001);
    expect(niceStep(7, 7)).toBe(1);
  });
});

describe('axisTicks', () => {
  it('lands on round values inside the domain', () => {
    const ticks = axisTicks('number', 0.13, 0.97, 5);
    expect(values(ticks)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(labels(ticks)).toEqual(['0.2', '0.4', '0.6', '0.8']);
  });

  it('has no floating point dust', () => {
    expect(values(axisTicks('number', 0, 0.3, 3))).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('handles negative domains', () => {
    expect(values(axisTicks('number', -10, 10, 4))).toEqual([
      -10, -5, 0, 5, 10
    ]);
  });

  it('never puts integer axes (steps) between integers', () => {
    expect(values(axisTicks('integer', 0, 3, 10))).toEqual([0, 1, 2, 3]);
    expect(values(axisTicks('number', 0, 3, 10))).toContain(0.5);
  });

  it('labels large axes with SI suffixes', () => {
    expect(labels(axisTicks('integer', 0, 1_000_000, 5))).toEqual([
      '0',
      '200k',
      '400k',
      '600k',
      '800k',
      '1M'
    ]);
  });

  it('uses clock steps and duration labels for relative time', () => {
    expect(clockStep(600, 5)).toBe(120);
    expect(clockStep(100000, 5)).toBe(21600);
    expect(clockStep(30 * 86400, 3)).toBe(10 * 86400);
    const ticks = axisTicks('duration', 0, 300, 4);
    expect(values(ticks)).toEqual([0, 120, 240]);
    expect(labels(ticks)).toEqual(['0s', '2m', '4m']);
  });

  it('puts wall-time ticks on round clock times', () => {
    const start = Date.UTC(2024, 0, 1, 10, 7, 0) / 1000;
    const ticks = axisTicks('time', start, start + 3600, 4);
    expect(labels(ticks)).toEqual(['10:15', '10:30', '10:45', '11:00']);
  });

  it('returns nothing for an empty domain', () => {
    expect(axisTicks('number', 1, 1)).toEqual([]);
  });
});
