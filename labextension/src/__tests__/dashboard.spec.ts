import {
  dashboardBase,
  findDashboard,
  HEALTH_PATH,
  parseHealth
} from '../dashboard';

describe('dashboardBase', () => {
  it('is <origin><base URL>wandb for a path or an absolute base URL', () => {
    expect(dashboardBase('/', 'http://localhost:8888')).toBe(
      'http://localhost:8888/wandb'
    );
    expect(dashboardBase('/user/ann/', 'https://hub.example.org')).toBe(
      'https://hub.example.org/user/ann/wandb'
    );
    expect(dashboardBase('/user/ann', 'https://hub.example.org')).toBe(
      'https://hub.example.org/user/ann/wandb'
    );
    expect(
      dashboardBase('http://127.0.0.1:8888/lab-base/', 'http://127.0.0.1:8888')
    ).toBe('http://127.0.0.1:8888/lab-base/wandb');
  });
});

describe('parseHealth', () => {
  const base = 'http://localhost:8888/wandb';

  it('takes a local dashboard with its folders', () => {
    expect(
      parseHealth(
        { status: 'ok', source: 'local', roots: ['/srv/root', '/data/wandb'] },
        base
      )
    ).toEqual({
      base,
      roots: ['/srv/root', '/data/wandb']
    });
  });

  it('drops roots that are not strings', () => {
    expect(
      parseHealth(
        { status: 'ok', source: 'local', roots: ['/a', 3, null, ''] },
        base
      )
    ).toEqual({
      base,
      roots: ['/a']
    });
  });

  it('refuses a standalone server, a bad status, missing roots and non-objects', () => {
    expect(parseHealth({ status: 'ok', source: 'server' }, base)).toBeNull();
    expect(
      parseHealth({ status: 'error', source: 'local', roots: [] }, base)
    ).toBeNull();
    expect(parseHealth({ status: 'ok', source: 'local' }, base)).toBeNull();
    expect(parseHealth('ok', base)).toBeNull();
    expect(parseHealth(null, base)).toBeNull();
  });
});

describe('findDashboard', () => {
  const answer = (ok: boolean, body: unknown) =>
    Promise.resolve({ ok, json: () => Promise.resolve(body) });

  it('asks the health API under the base URL', async () => {
    const asked: string[] = [];
    const found = await findDashboard('/base/', 'http://h:1', url => {
      asked.push(url);
      return answer(true, { status: 'ok', source: 'local', roots: ['/r'] });
    });
    expect(asked).toEqual([`http://h:1/base/wandb/${HEALTH_PATH}`]);
    expect(found).toEqual({ base: 'http://h:1/base/wandb', roots: ['/r'] });
  });

  it('is null on an error answer, a failed request or bad JSON', async () => {
    expect(
      await findDashboard('/', 'http://h:1', () =>
        answer(false, { error: 'not found' })
      )
    ).toBeNull();
    expect(
      await findDashboard('/', 'http://h:1', () =>
        Promise.reject(new Error('offline'))
      )
    ).toBeNull();
    const badJson = () =>
      Promise.resolve({
        ok: true,
        json: () => Promise.reject(new SyntaxError('x'))
      });
    expect(await findDashboard('/', 'http://h:1', badJson)).toBeNull();
  });

  it('gives up after the timeout and aborts the request', async () => {
    let aborted = false;
    const never = (_url: string, signal?: AbortSignal) => {
      signal?.addEventListener('abort', () => (aborted = true));
      return new Promise<never>(() => undefined);
    };
    expect(await findDashboard('/', 'http://h:1', never, 20)).toBeNull();
    expect(aborted).toBe(true);
  });
});
