/**
 * The W&B dashboard inside this Jupyter server, as the kernel needs to know it.
 *
 * wandb_jupyter's server extension serves run pages of the local runs under
 * its folders at `<base URL>wandb`. When its health API answers with
 * `source: "local"`, the kernel gets that URL (as the browser sees it) and the
 * folders in the probe, so offline runs stored there get a page
 * (`{base}/{entity}/{project}/runs/{id}`) that WANDB_SHOW_RUN and the status
 * bar open. Nothing here imports JupyterLab: the request is passed in.
 */
import { IDashboardInfo } from './protocol';

/** The dashboard's health API, relative to the dashboard's URL. */
export const HEALTH_PATH = '_dashboard/api/health';

/** Milliseconds the health request may take before the probe goes without it. */
export const HEALTH_TIMEOUT_MS = 3000;

/** `<base URL>wandb` as an absolute URL; `baseUrl` may be absolute or a path such as `/user/me/`. */
export function dashboardBase(baseUrl: string, origin: string): string {
  const base = new URL(
    baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    `${origin}/`
  );
  return `${base.href}wandb`;
}

/** The dashboard from a health answer: only a local one (runs on disk) that names its folders. */
export function parseHealth(
  body: unknown,
  base: string
): IDashboardInfo | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const health = body as {
    status?: unknown;
    source?: unknown;
    roots?: unknown;
  };
  if (
    health.status !== 'ok' ||
    health.source !== 'local' ||
    !Array.isArray(health.roots)
  ) {
    return null;
  }
  const roots = health.roots.filter(
    (root): root is string => typeof root === 'string' && root.length > 0
  );
  return { base, roots };
}

/** What a fetch-like request function answers (the Fetch API's Response fits). */
export interface IResponseLike {
  readonly ok: boolean;
  json(): Promise<unknown>;
}

/**
 * Ask the server's dashboard whether it is there; null when it is not (not installed,
 * disabled, an error, no answer within `timeoutMs`).
 */
export async function findDashboard(
  baseUrl: string,
  origin: string,
  request: (url: string, signal?: AbortSignal) => Promise<IResponseLike>,
  timeoutMs = HEALTH_TIMEOUT_MS
): Promise<IDashboardInfo | null> {
  const base = dashboardBase(baseUrl, origin);
  const controller =
    typeof AbortController === 'function' ? new AbortController() : null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>(resolve => {
    timer = setTimeout(() => {
      controller?.abort();
      resolve(null);
    }, timeoutMs);
  });
  const asked = (async () => {
    try {
      const response = await request(
        `${base}/${HEALTH_PATH}`,
        controller?.signal
      );
      return response.ok ? parseHealth(await response.json(), base) : null;
    } catch {
      return null;
    }
  })();
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}
