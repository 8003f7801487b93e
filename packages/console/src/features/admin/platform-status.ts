// GET /api/v1/platform/status, until the SDK's `platformStatus()` (added beside this page, on
// another branch) is merged: the answer's shape as a local interface, and a small fetch that fails
// the way the SDK client does (BerthApiError with the catalogue's code, NETWORK_ERROR, HTTP_ERROR,
// BAD_RESPONSE). At merge, replace `fetchPlatformStatus(signal)` with `api.platformStatus()` and
// the interface with the SDK's `PlatformStatus` type.
import { BAD_RESPONSE, BerthApiError, HTTP_ERROR, NETWORK_ERROR } from '@berth/sdk/client';

export interface PlatformStatus {
  version: string;
  node: string;
  startedAt: number;
  store: { dialect: 'sqlite' | 'postgres' | 'mysql' };
  runtime: { driver: 'process' | 'docker' };
  gateway: { workers: number; running: number };
  jobs: { queued: number; running: number; failedLastDay: number };
  dataDir: { path: string; usedBytes: number; freeBytes: number; totalBytes: number; measuredAt: number };
}

const PATH = '/api/v1/platform/status';

/** `baseUrl` is the page's own origin unless given (the tests give a real server's). */
export async function fetchPlatformStatus(signal?: AbortSignal, baseUrl = ''): Promise<PlatformStatus> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${PATH}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw new BerthApiError(0, NETWORK_ERROR, `cannot reach GET ${PATH}: ${String(err)}`, undefined, {
      cause: err,
    });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
      ?.error;
    if (e && typeof e.code === 'string') {
      throw new BerthApiError(
        response.status,
        e.code,
        typeof e.message === 'string' ? e.message : e.code,
        e.details,
      );
    }
    throw new BerthApiError(response.status, HTTP_ERROR, `HTTP ${response.status}`);
  }
  const status = body as PlatformStatus | undefined;
  if (!status || typeof status.version !== 'string' || typeof status.dataDir !== 'object') {
    throw new BerthApiError(response.status, BAD_RESPONSE, `GET ${PATH}: not a platform status`);
  }
  return status;
}

/** The share of the data directory's file system in use (0-100), or undefined when unknown. */
export function diskUsedPercent(dataDir: PlatformStatus['dataDir']): number | undefined {
  if (!(dataDir.totalBytes > 0)) return undefined;
  const used = Math.max(0, dataDir.totalBytes - dataDir.freeBytes);
  return Math.min(100, Math.round((used / dataDir.totalBytes) * 1000) / 10);
}
