import {
  magicCellSource,
  noPageReason,
  plural,
  statusText,
  statusTitle
} from '../format';
import { IRunStatus } from '../protocol';

const run: IRunStatus = {
  name: 'lab_check-1',
  id: 'abc123',
  project: 'proj',
  state: 'running',
  step: 3,
  mode: 'offline',
  url: null
};

describe('statusText', () => {
  it('shows name, state, steps and mode', () => {
    expect(statusText(run)).toBe(
      'W&B: lab_check-1 · running · 3 steps · offline'
    );
    expect(
      statusText({ ...run, step: 1, state: 'finished', mode: 'online' })
    ).toBe('W&B: lab_check-1 · finished · 1 step · online');
  });

  it('falls back to the id and leaves out an empty mode', () => {
    expect(statusText({ ...run, name: '', mode: '' })).toBe(
      'W&B: abc123 · running · 3 steps'
    );
  });

  it('says when there is no run', () => {
    expect(statusText(null)).toBe('W&B: no run');
  });
});

describe('statusTitle', () => {
  it('says what a click does', () => {
    expect(statusTitle({ ...run, url: 'http://h/r' })).toContain(
      'click to open its page (http://h/r)'
    );
    expect(statusTitle(run)).toContain('has no page yet');
    expect(statusTitle(null)).toContain('%wandb_init');
  });
});

describe('cells and reasons', () => {
  it('loads the IPython extension only where the kernel is not connected', () => {
    expect(magicCellSource('%wandb_init', true)).toBe('%wandb_init');
    expect(magicCellSource('%wandb_init', false)).toBe(
      '%load_ext wandb_jupyter\n%wandb_init'
    );
  });

  it('explains why there is no page', () => {
    expect(noPageReason(false, null)).toContain('not connected');
    expect(noPageReason(true, null)).toContain('No W&B run');
    expect(noPageReason(true, run)).toContain(
      'offline runs get one only when stored under the folders'
    );
    expect(plural(2, 'step')).toBe('2 steps');
  });
});
