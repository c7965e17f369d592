import {
  ArtifactVersion,
  artifactsPath,
  contentsLabel,
  lineageLabel,
  parseArtifactsRoute,
  versionLabel
} from '../src/artifacts';

const version: ArtifactVersion = {
  name: 'dataset:v2',
  version: 2,
  aliases: ['latest', 'best'],
  digest: 'abc',
  size: 2048,
  file_count: 3,
  created_at: 0,
  description: null,
  created_by: { id: 'r1', url: '/e/p/runs/r1' },
  used_by: [{ id: 'r2', url: '/e/p/runs/r2' }, null]
};

describe('the Artifacts tab', () => {
  it('routes project and run tabs, and nothing else', () => {
    expect(parseArtifactsRoute('/base/e/p/artifacts', '/base')).toEqual({
      page: 'artifacts',
      entity: 'e',
      project: 'p'
    });
    expect(
      parseArtifactsRoute('/base/e/p%2Fx/runs/r%201/artifacts/', '/base')
    ).toEqual({
      page: 'run-artifacts',
      entity: 'e',
      project: 'p/x',
      runId: 'r 1'
    });
    expect(parseArtifactsRoute('/base/e/p', '/base')).toBeNull();
    expect(parseArtifactsRoute('/base/e/p/runs/r1', '/base')).toBeNull();
    expect(parseArtifactsRoute('/other/e/p/artifacts', '/base')).toBeNull();
    expect(
      parseArtifactsRoute('/base/e/%E0%A4%A/artifacts', '/base')
    ).toBeNull();
  });

  it('builds links that round-trip and keep a view token', () => {
    const path = artifactsPath('/base', 'e', 'p/x', 'r 1');
    expect(path).toBe('/base/e/p%2Fx/runs/r%201/artifacts');
    expect(parseArtifactsRoute(path, '/base')).toEqual({
      page: 'run-artifacts',
      entity: 'e',
      project: 'p/x',
      runId: 'r 1'
    });
    expect(artifactsPath('', 'e', 'p', undefined, 'tok')).toBe(
      '/e/p/artifacts?view=tok'
    );
  });

  it('labels versions, contents and lineage', () => {
    expect(versionLabel(version)).toBe('v2 (latest, best)');
    expect(versionLabel({ ...version, aliases: [] })).toBe('v2');
    expect(contentsLabel({ ...version, file_count: 1, size: 0 })).toMatch(
      /^1 file, /
    );
    expect(contentsLabel(version)).toMatch(/^3 files, /);
    expect(lineageLabel(version)).toBe('made by run r1, used by 1 run (r2)');
    expect(lineageLabel({ ...version, created_by: null, used_by: [] })).toBe(
      'made by no run here, not used yet'
    );
  });
});
