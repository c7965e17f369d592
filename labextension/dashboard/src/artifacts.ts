/**
 * Artifacts in the dashboard: the routes of the Artifacts tab (`{base}/{entity}/{project}/artifacts`, and
 * `.../runs/{id}/artifacts` for what one run logged and used), the JSON API's shapes, and the small pure
 * helpers the pages use (labels, the lineage of a version).
 */
import { Api, segments } from './api.js';
import { formatBytes } from './format.js';

export interface RunLink {
  readonly id: string;
  readonly url: string;
}

export interface ArtifactVersion {
  readonly name: string;
  readonly version: number;
  readonly aliases: readonly string[];
  readonly digest: string;
  readonly size: number;
  readonly file_count: number;
  readonly created_at: number | null;
  readonly description: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly created_by: RunLink | null;
  readonly used_by: readonly (RunLink | null)[];
  readonly type?: string;
}

export interface ArtifactCollection {
  readonly name: string;
  readonly type: string;
  readonly versions: readonly ArtifactVersion[];
}

export interface ArtifactFile {
  readonly path: string;
  readonly size: number | null;
  readonly digest: string;
  readonly ref: string | null;
  readonly url: string | null;
}

export interface ArtifactDetail extends ArtifactVersion {
  readonly type: string;
  readonly files: readonly ArtifactFile[];
}

export interface RunArtifacts {
  readonly logged: readonly ArtifactVersion[];
  readonly used: readonly ArtifactVersion[];
}

export type ArtifactsRoute =
  | {
      readonly page: 'artifacts';
      readonly entity: string;
      readonly project: string;
    }
  | {
      readonly page: 'run-artifacts';
      readonly entity: string;
      readonly project: string;
      readonly runId: string;
    };

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The Artifacts tab's route of a URL, or null when the URL is another page's. */
export function parseArtifactsRoute(
  pathname: string,
  base: string
): ArtifactsRoute | null {
  if (!pathname.startsWith(`${base}/`)) {
    return null;
  }
  const parts = pathname
    .slice(base.length)
    .split('/')
    .filter(s => s.length > 0)
    .map(decode);
  if (parts.some(p => p === null)) {
    return null;
  }
  const [entity, project, third, runId, fifth] = parts as string[];
  if (parts.length === 3 && third === 'artifacts') {
    return { page: 'artifacts', entity, project };
  }
  if (parts.length === 5 && third === 'runs' && fifth === 'artifacts') {
    return { page: 'run-artifacts', entity, project, runId };
  }
  return null;
}

/** The path of the Artifacts tab of a project, or of one run (with the view token of a shared link). */
export function artifactsPath(
  base: string,
  entity: string,
  project: string,
  runId?: string,
  viewToken?: string | null
): string {
  const run = runId === undefined ? '' : `/runs/${encodeURIComponent(runId)}`;
  const path = `${base}/${segments(entity, project)}${run}/artifacts`;
  return viewToken ? `${path}?view=${encodeURIComponent(viewToken)}` : path;
}

/** "v3 (latest, best)" */
export function versionLabel(version: ArtifactVersion): string {
  const aliases = version.aliases.length
    ? ` (${version.aliases.join(', ')})`
    : '';
  return `v${version.version}${aliases}`;
}

/** "3 files, 1.2 MB" */
export function contentsLabel(version: ArtifactVersion): string {
  const files = `${version.file_count} file${version.file_count === 1 ? '' : 's'}`;
  return `${files}, ${formatBytes(version.size)}`;
}

/** "made by run abc, used by 2 runs (def, ghi)" */
export function lineageLabel(version: ArtifactVersion): string {
  const made = version.created_by
    ? `made by run ${version.created_by.id}`
    : 'made by no run here';
  const users = version.used_by.filter((u): u is RunLink => u !== null);
  const used = users.length
    ? `used by ${users.length} run${users.length === 1 ? '' : 's'} (${users.map(u => u.id).join(', ')})`
    : 'not used yet';
  return `${made}, ${used}`;
}

export function fetchArtifacts(
  api: Api,
  entity: string,
  project: string
): Promise<{ artifacts: ArtifactCollection[] }> {
  return api.json(`artifacts/${segments(entity, project)}`);
}

export function fetchArtifact(
  api: Api,
  entity: string,
  project: string,
  name: string,
  version: number
): Promise<ArtifactDetail> {
  return api.json(`artifact/${segments(entity, project, name, `v${version}`)}`);
}

export function fetchRunArtifacts(
  api: Api,
  entity: string,
  project: string,
  runId: string
): Promise<RunArtifacts> {
  return api.json(`run-artifacts/${segments(entity, project, runId)}`);
}
