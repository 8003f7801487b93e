// Rows -> wire shapes (Deploy, Release).
import {
  DEPLOY_REASONS,
  type Deploy,
  type DeployKind,
  type DeployReason,
  type DeployStatus,
  type EnvName,
  type Release,
  type ReleaseSource,
} from '@berth/sdk';
import { resolveFormation } from './plan-deploy.ts';
import { declaredCounts, parseReleaseBuild } from './release-build.ts';
import type { DeployRow, ReleaseRow } from './tables.ts';

export interface DeployJoined extends DeployRow {
  job_status: string | null;
  job_error: string | null;
  job_error_code: string | null;
  job_started_at: number | null;
  job_finished_at: number | null;
}

/** The reason stored in a deploy's params, if it is one the API knows. */
function deployReason(params: string): DeployReason | undefined {
  try {
    const reason = (JSON.parse(params) as { reason?: unknown }).reason;
    return (DEPLOY_REASONS as readonly unknown[]).includes(reason) ? (reason as DeployReason) : undefined;
  } catch {
    return undefined;
  }
}

export function toDeploy(row: DeployJoined): Deploy {
  const deploy: Deploy = {
    id: row.id,
    app: row.app_code,
    env: row.env as EnvName,
    kind: row.kind as DeployKind,
    status: (row.job_status ?? 'failed') as DeployStatus,
    jobId: row.job_id,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
  if (row.release_version !== null) deploy.release = Number(row.release_version);
  if (row.job_error && row.job_status !== 'succeeded') {
    deploy.error = { code: row.job_error_code ?? 'DEPLOY_FAILED', message: row.job_error };
  }
  if (row.description) deploy.description = row.description;
  const reason = deployReason(row.params);
  if (reason) deploy.reason = reason;
  if (row.job_started_at !== null) deploy.startedAt = Number(row.job_started_at);
  if (row.job_finished_at !== null) deploy.finishedAt = Number(row.job_finished_at);
  return deploy;
}

export function toRelease(
  row: ReleaseRow,
  current: number | null,
  formation: Record<string, number>,
): Release {
  const isCurrent = current !== null && Number(row.version) === current;
  let processes: Record<string, number> = {};
  if (row.build) {
    const declared = declaredCounts(parseReleaseBuild(row.build));
    processes = isCurrent ? resolveFormation(declared, formation) : declared;
  }
  const release: Release = {
    version: Number(row.version),
    status: row.status === 'failed' ? 'failed' : 'ready',
    source: row.source as ReleaseSource,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    current: isCurrent,
    processes,
  };
  if (row.description) release.description = row.description;
  if (row.from_version !== null && row.from_version !== undefined)
    release.fromVersion = Number(row.from_version);
  return release;
}
