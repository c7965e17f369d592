import { apiUrl, errorKind, segments } from '../src/api';
import {
  compareIds,
  href,
  normalizeBase,
  parseRoute,
  routePath,
  withViewToken
} from '../src/router';

describe('normalizeBase', () => {
  it('keeps the path of the meta tag without a trailing slash', () => {
    expect(normalizeBase('/')).toBe('');
    expect(normalizeBase('')).toBe('');
    expect(normalizeBase(null)).toBe('');
    expect(normalizeBase('/user/al%40ice/wandb/')).toBe('/user/al%40ice/wandb');
    expect(normalizeBase('http://127.0.0.1:8080/prefix/')).toBe('/prefix');
    expect(normalizeBase('http://127.0.0.1:8080')).toBe('');
    expect(normalizeBase('wandb')).toBe('/wandb');
  });
});

describe('parseRoute', () => {
  it('routes the three page shapes below the base', () => {
    expect(parseRoute('/wandb', '', '/wandb')).toEqual({ page: 'projects' });
    expect(parseRoute('/wandb/', '', '/wandb')).toEqual({ page: 'projects' });
    expect(parseRoute('/', '', '')).toEqual({ page: 'projects' });
    expect(parseRoute('/wandb/me/proj', '', '/wandb')).toEqual({
      page: 'project',
      entity: 'me',
      project: 'proj',
      compare: []
    });
    expect(parseRoute('/me/proj/runs/abc123', '', '')).toEqual({
      page: 'run',
      entity: 'me',
      project: 'proj',
      runId: 'abc123'
    });
  });

  it('decodes percent-encoded segments', () => {
    expect(parseRoute('/b/my%20team/p%C3%A9/runs/r-1', '', '/b')).toEqual({
      page: 'run',
      entity: 'my team',
      project: 'pé',
      runId: 'r-1'
    });
  });

  it('reads the runs to compare', () => {
    expect(parseRoute('/me/proj', '?compare=a,b&view=k', '')).toEqual({
      page: 'project',
      entity: 'me',
      project: 'proj',
      compare: ['a', 'b']
    });
    expect(compareIds('?compare=a,,%20b%20')).toEqual(['a', 'b']);
    expect(compareIds('')).toEqual([]);
  });

  it('knows no other paths', () => {
    expect(parseRoute('/other/me/proj', '', '/wandb').page).toBe('unknown');
    expect(parseRoute('/wandbx/me', '', '/wandb').page).toBe('unknown');
    expect(parseRoute('/me/proj/files/x', '', '').page).toBe('unknown');
    expect(parseRoute('/me', '', '').page).toBe('unknown');
    expect(parseRoute('/me/%E0%A4%A/runs/x', '', '').page).toBe('unknown');
  });

  it('is the inverse of routePath', () => {
    const routes = [
      { page: 'projects' as const },
      {
        page: 'project' as const,
        entity: 'a/b',
        project: 'p?q',
        compare: ['x', 'y z']
      },
      { page: 'run' as const, entity: 'e', project: 'p#1', runId: 'r%2' }
    ];
    for (const route of routes) {
      const url = new URL(routePath('/base', route), 'http://host');
      expect(parseRoute(url.pathname, url.search, '/base')).toEqual(route);
    }
  });
});

describe('secret links', () => {
  it('keep viewToken on internal links, before the hash', () => {
    expect(withViewToken('/b/e/p', 'k&1')).toBe('/b/e/p?view=k%261');
    expect(withViewToken('/b/e/p?compare=a', 'k')).toBe(
      '/b/e/p?compare=a&view=k'
    );
    expect(withViewToken('/b/e/p#charts', 'k')).toBe('/b/e/p?view=k#charts');
    expect(withViewToken('/b/e/p', null)).toBe('/b/e/p');
    expect(
      href('', { page: 'run', entity: 'e', project: 'p', runId: 'r' }, 'k')
    ).toBe('/e/p/runs/r?view=k');
  });

  it('are forwarded on API calls', () => {
    expect(apiUrl('/wandb', 'projects', {}, null)).toBe(
      '/wandb/_dashboard/api/projects'
    );
    expect(
      apiUrl(
        '',
        `run/${segments('e', 'p/x', 'r')}/history`,
        { keys: 'a,b', x: '_step', samples: 1000, skip: null },
        's3cret'
      )
    ).toBe(
      '/_dashboard/api/run/e/p%2Fx/r/history?keys=a%2Cb&x=_step&samples=1000&view=s3cret'
    );
  });
});

describe('errorKind', () => {
  it('tells sign-in problems from missing pages', () => {
    expect(errorKind(401)).toBe('auth');
    expect(errorKind(403)).toBe('auth');
    expect(errorKind(404)).toBe('notfound');
    expect(errorKind(500)).toBe('server');
  });
});
