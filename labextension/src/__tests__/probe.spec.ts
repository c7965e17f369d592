import {
  localPath,
  mentionsWandbJupyter,
  probeAnswered,
  probeCode,
  probeRequest,
  PROBE_KEY,
  pythonString
} from '../probe';

describe('probeCode', () => {
  it('imports only inside try and passes the path and root as Python literals', () => {
    const code = probeCode('dir/lab check.ipynb', '/srv/root');
    expect(code.split('\n')).toEqual([
      'try:',
      '    from wandb_jupyter.notebook._comm import hello as _wandb_jupyter_hello',
      'except Exception:',
      '    pass',
      'else:',
      '    _wandb_jupyter_hello("dir/lab check.ipynb", "/srv/root")',
      '    del _wandb_jupyter_hello'
    ]);
  });

  it('adds the dashboard inside Jupyter as a Python dict when there is one', () => {
    const code = probeCode('a.ipynb', '/srv/root', {
      base: 'http://localhost:8888/wandb',
      roots: ['/srv/root', '/data/"odd"\\dir']
    });
    expect(code.split('\n')[5]).toBe(
      '    _wandb_jupyter_hello("a.ipynb", "/srv/root", {"base": "http://localhost:8888/wandb", ' +
        '"roots": ["/srv/root", "/data/\\"odd\\"\\\\dir"]})'
    );
    expect(
      probeCode('a.ipynb', '/r', { base: 'http://h/wandb', roots: [] })
    ).toContain('"roots": []})');
    expect(
      probeRequest('a.ipynb', '/r', { base: 'http://h/wandb', roots: [] }).code
    ).toContain('{"base": "http://h/wandb"');
  });

  it('escapes quotes, backslashes, newlines and non-ASCII safely', () => {
    expect(pythonString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(pythonString('ノート.ipynb')).toBe('"ノート.ipynb"');
    expect(probeCode('x"); import os; ("', '')).toContain(
      '_wandb_jupyter_hello("x\\"); import os; (\\"", "")'
    );
  });

  it('is a silent request that never stops queued cells', () => {
    const request = probeRequest('a.ipynb', '/r');
    expect(request).toMatchObject({
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false
    });
    expect(Object.keys(request.user_expressions)).toEqual([PROBE_KEY]);
  });
});

describe('probeAnswered', () => {
  const answer = (status: string, text?: string) => ({
    status: 'ok',
    user_expressions: {
      [PROBE_KEY]:
        text === undefined
          ? { status }
          : { status, data: { 'text/plain': text } }
    }
  });

  it('is true for our protocol', () => {
    expect(probeAnswered(answer('ok', '1'))).toBe(true);
  });

  it('is false without wandb_jupyter, for another protocol, or a failed request', () => {
    expect(probeAnswered(answer('error'))).toBe(false);
    expect(probeAnswered(answer('ok', '2'))).toBe(false);
    expect(probeAnswered({ status: 'error' })).toBe(false);
    expect(probeAnswered({ status: 'ok' })).toBe(false);
    expect(probeAnswered(null)).toBe(false);
  });
});

describe('mentionsWandbJupyter', () => {
  it('spots imports and magics', () => {
    expect(mentionsWandbJupyter('import wandb_jupyter as wandb')).toBe(true);
    expect(mentionsWandbJupyter('%load_ext wandb_jupyter')).toBe(true);
    expect(mentionsWandbJupyter('%wandb_init --project p')).toBe(true);
    expect(mentionsWandbJupyter('%%wandb_x\nprint(1)')).toBe(true);
  });

  it('ignores other code', () => {
    expect(mentionsWandbJupyter('import wandb')).toBe(false);
    expect(mentionsWandbJupyter('print("hello")')).toBe(false);
  });
});

describe('localPath', () => {
  it('drops a drive prefix', () => {
    expect(localPath('RTC:dir/a.ipynb')).toBe('dir/a.ipynb');
    expect(localPath('dir/a.ipynb')).toBe('dir/a.ipynb');
  });
});
