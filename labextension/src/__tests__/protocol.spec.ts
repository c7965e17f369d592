import { parseKernelMessage, parseRun, sameRun } from '../protocol';

const run = {
  name: 'lab_check-1',
  id: 'abc123',
  project: 'p',
  state: 'running',
  step: 3,
  mode: 'offline',
  url: null
};

describe('parseKernelMessage', () => {
  it('reads a status with a run', () => {
    expect(
      parseKernelMessage({ type: 'status', run, version: '0.1.0' })
    ).toEqual({
      type: 'status',
      run,
      version: '0.1.0'
    });
  });

  it('reads a status without a run', () => {
    expect(parseKernelMessage({ type: 'status', run: null })).toEqual({
      type: 'status',
      run: null
    });
  });

  it('rejects a status whose run is not a run', () => {
    expect(parseKernelMessage({ type: 'status', run: 'nope' })).toBeNull();
    expect(
      parseKernelMessage({ type: 'status', run: { name: 'x' } })
    ).toBeNull();
  });

  it('reads open and error', () => {
    expect(parseKernelMessage({ type: 'open', url: 'http://x/y' })).toEqual({
      type: 'open',
      url: 'http://x/y'
    });
    expect(parseKernelMessage({ type: 'open', url: '' })).toBeNull();
    expect(parseKernelMessage({ type: 'error', message: 'boom' })).toEqual({
      type: 'error',
      message: 'boom'
    });
    expect(parseKernelMessage({ type: 'error' })).toEqual({
      type: 'error',
      message: 'unknown error'
    });
  });

  it('ignores what it does not understand', () => {
    for (const data of [null, undefined, 3, 'status', [], { type: 'later' }]) {
      expect(parseKernelMessage(data)).toBeNull();
    }
  });
});

describe('parseRun', () => {
  it('normalises odd fields', () => {
    expect(parseRun({ id: 'x', step: -4, url: '', state: '' })).toEqual({
      name: '',
      id: 'x',
      project: '',
      state: 'running',
      step: 0,
      mode: '',
      url: null
    });
    expect(parseRun({ id: 'x', step: '7.9' })!.step).toBe(7);
    expect(parseRun({ id: 'x', step: 'many' })!.step).toBe(0);
  });
});

describe('sameRun', () => {
  it('compares every shown field', () => {
    expect(sameRun(run, { ...run })).toBe(true);
    expect(sameRun(run, { ...run, step: 4 })).toBe(false);
    expect(sameRun(run, { ...run, state: 'finished' })).toBe(false);
    expect(sameRun(null, null)).toBe(true);
    expect(sameRun(run, null)).toBe(false);
  });
});
