/**
 * The dashboard's JSON API (`{base}/_dashboard/api/...`, GET only): its answer types and one
 * fetch wrapper that forwards a shared link's view token (`view`) and turns failures into ApiError.
 */

export type RunState = 'running' | 'finished' | 'failed' | 'crashed' | string;
export type Scalar = string | number | boolean | null;

export interface Project {
  readonly entity: string;
  readonly project: string;
  readonly runs: number;
  readonly last_run_at: number | null;
}

export interface RunRow {
  readonly id: string;
  readonly name: string;
  readonly state: RunState;
  readonly created_at: number | null;
  readonly heartbeat_at: number | null;
  readonly runtime: number | null;
  readonly group: string | null;
  readonly job_type: string | null;
  readonly tags: readonly string[];
  readonly user: string | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly url?: string;
}

export interface FileInfo {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
}

export interface RunDetail extends RunRow {
  readonly notes: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly history_rows: number;
  readonly metrics: readonly string[];
  readonly system_metrics: readonly string[];
  readonly files: readonly FileInfo[];
  /** The exit code of an ended run (null while running or unknown). */
  readonly exit_code?: number | null;
  /** metric -> the x key define_metric chose for it (metrics without one use _step). */
  readonly step_metrics?: Readonly<Record<string, string>>;
  /** run.alert() notices, oldest first. */
  readonly alerts?: readonly {
    readonly title: string;
    readonly text: string;
    readonly level: string;
    readonly at: number | null;
  }[];
}

export interface RunsAnswer {
  readonly runs: readonly RunRow[];
  readonly config_keys: readonly string[];
  readonly summary_keys: readonly string[];
}

export interface SeriesAnswer {
  readonly rows: number;
  readonly x: string;
  readonly series: Readonly<
    Record<
      string,
      { readonly x: readonly number[]; readonly y: readonly number[] }
    >
  >;
}

export interface OutputAnswer {
  readonly text: string;
  readonly offset: number;
  readonly next_offset: number;
  readonly size: number;
}

export type ErrorKind = 'auth' | 'notfound' | 'network' | 'server';

/** A failed API call, classified for the error page. */
export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export function errorKind(status: number): ErrorKind {
  return status === 401 || status === 403
    ? 'auth'
    : status === 404
      ? 'notfound'
      : 'server';
}

export type Params = Record<string, string | number | null | undefined>;

/** Path segments percent-encoded one by one, so names with "/" or "?" stay one segment. */
export function segments(...parts: string[]): string {
  return parts.map(encodeURIComponent).join('/');
}

/** The URL of an API call: `{base}/_dashboard/api/{path}?params&view=`. */
export function apiUrl(
  base: string,
  path: string,
  params: Params,
  viewToken: string | null
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) {
      query.set(key, String(value));
    }
  }
  if (viewToken) {
    query.set('view', viewToken);
  }
  const qs = query.toString();
  return `${base}/_dashboard/api/${path}${qs ? `?${qs}` : ''}`;
}

/** The value of the `_xsrf` cookie in a `document.cookie` string ("" when there is none). */
export function xsrfToken(cookies: string): string {
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === '_xsrf') {
      return decodeURIComponent(rest.join('='));
    }
  }
  return '';
}

export class Api {
  constructor(
    readonly base: string,
    readonly viewToken: string | null,
    private readonly fetchImpl: typeof fetch = (input, init) =>
      fetch(input, init)
  ) {}

  url(path: string, params: Params = {}): string {
    return apiUrl(this.base, path, params, this.viewToken);
  }

  private async request(path: string, params: Params): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, params), {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      });
    } catch (err) {
      throw new ApiError(
        'network',
        0,
        `The dashboard server cannot be reached (${String(err)}).`
      );
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        const body = (await response.json()) as { error?: unknown };
        if (typeof body.error === 'string' && body.error) {
          message = body.error;
        }
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(errorKind(response.status), response.status, message);
    }
    return response;
  }

  /**
   * A write (POST/DELETE) with Tornado's XSRF token: the `_xsrf` cookie the page set, echoed
   * in the X-XSRFToken header (a session cookie alone changes nothing).
   */
  async send<T>(
    method: 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    keepalive = false
  ): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-XSRFToken': xsrfToken(document.cookie)
    };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path), {
        method,
        credentials: 'same-origin',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        keepalive
      });
    } catch (err) {
      throw new ApiError(
        'network',
        0,
        `The dashboard server cannot be reached (${String(err)}).`
      );
    }
    const answer = (await response.json().catch(() => ({}))) as {
      error?: unknown;
    };
    if (!response.ok) {
      throw new ApiError(
        errorKind(response.status),
        response.status,
        typeof answer.error === 'string'
          ? answer.error
          : `${response.status} ${response.statusText}`
      );
    }
    return answer as T;
  }

  /** Rename, re-note or re-tag a run (members of its entity only). */
  editRun(
    entity: string,
    project: string,
    runId: string,
    changes: { name?: string; notes?: string; tags?: readonly string[] }
  ): Promise<{ ok: boolean }> {
    return this.send(
      'POST',
      `run/${segments(entity, project, runId)}`,
      changes
    );
  }

  /** Delete a run and its files (`keepalive`: also when the page is closing). */
  deleteRun(
    entity: string,
    project: string,
    runId: string,
    keepalive = false
  ): Promise<{ ok: boolean }> {
    return this.send(
      'DELETE',
      `run/${segments(entity, project, runId)}`,
      undefined,
      keepalive
    );
  }

  async json<T>(path: string, params: Params = {}): Promise<T> {
    return (await (await this.request(path, params)).json()) as T;
  }

  async text(path: string, params: Params = {}): Promise<string> {
    return (await this.request(path, params)).text();
  }

  projects(): Promise<{ projects: Project[] }> {
    return this.json('projects');
  }

  runs(entity: string, project: string): Promise<RunsAnswer> {
    return this.json(`runs/${segments(entity, project)}`);
  }

  run(entity: string, project: string, runId: string): Promise<RunDetail> {
    return this.json(`run/${segments(entity, project, runId)}`);
  }

  history(
    entity: string,
    project: string,
    runId: string,
    keys: readonly string[] | null,
    x: string,
    samples = 1000
  ): Promise<SeriesAnswer> {
    return this.json(`run/${segments(entity, project, runId)}/history`, {
      keys: keys ? keys.join(',') : null,
      x,
      samples
    });
  }

  events(
    entity: string,
    project: string,
    runId: string,
    samples = 1000
  ): Promise<SeriesAnswer> {
    return this.json(`run/${segments(entity, project, runId)}/events`, {
      samples
    });
  }

  output(
    entity: string,
    project: string,
    runId: string,
    params: { tail: number } | { offset: number }
  ): Promise<OutputAnswer> {
    return this.json(`run/${segments(entity, project, runId)}/output`, params);
  }

  /** Download URL of a run file (name may hold "/" for files in sub-folders). */
  fileUrl(
    entity: string,
    project: string,
    runId: string,
    name: string,
    inline = false
  ): string {
    const path = `run/${segments(entity, project, runId)}/files/${name.split('/').map(encodeURIComponent).join('/')}`;
    return this.url(path, { inline: inline ? 1 : null });
  }

  fileText(
    entity: string,
    project: string,
    runId: string,
    name: string
  ): Promise<string> {
    const path = `run/${segments(entity, project, runId)}/files/${name.split('/').map(encodeURIComponent).join('/')}`;
    return this.text(path, { inline: 1 });
  }
}
