import { Api, ApiError } from '../src/api';

function fakeFetch(
  status: number,
  body: unknown,
  seen: string[] = []
): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    seen.push(String(input));
    return {
      ok: status >= 200 && status < 300,
      status,
      statusText: 'status',
      json: async () => body,
      text: async () => JSON.stringify(body)
    } as Response;
  }) as typeof fetch;
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

describe('Api', () => {
  it('asks the right URLs, with the secret key', async () => {
    const seen: string[] = [];
    const api = new Api('/wandb', 'key', fakeFetch(200, { runs: [] }, seen));
    await api.runs('me', 'my proj');
    await api.history('me', 'p', 'r1', null, '_runtime');
    await api.output('me', 'p', 'r1', { tail: 500 });
    expect(seen).toEqual([
      '/wandb/_dashboard/api/runs/me/my%20proj?view=key',
      '/wandb/_dashboard/api/run/me/p/r1/history?x=_runtime&samples=1000&view=key',
      '/wandb/_dashboard/api/run/me/p/r1/output?tail=500&view=key'
    ]);
    expect(api.fileUrl('me', 'p', 'r1', 'media/a b.png')).toBe(
      '/wandb/_dashboard/api/run/me/p/r1/files/media/a%20b.png?view=key'
    );
    expect(api.fileUrl('me', 'p', 'r1', 'nb.ipynb', true)).toBe(
      '/wandb/_dashboard/api/run/me/p/r1/files/nb.ipynb?inline=1&view=key'
    );
  });

  it("turns the server's error answers into classified errors", async () => {
    const auth = await failure(
      new Api('', null, fakeFetch(401, { error: 'sign in first' })).projects()
    );
    expect(auth).toBeInstanceOf(ApiError);
    expect([auth.kind, auth.status, auth.message]).toEqual([
      'auth',
      401,
      'sign in first'
    ]);
    const missing = await failure(
      new Api('', null, fakeFetch(404, 'not json')).run('e', 'p', 'r')
    );
    expect([missing.kind, missing.message]).toEqual(['notfound', '404 status']);
  });

  it('reports an unreachable server as a network error', async () => {
    const api = new Api('', null, (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch);
    const err = await failure(api.projects());
    expect(err.kind).toBe('network');
    expect(err.message).toContain('Failed to fetch');
  });
});
