// Rows -> wire shapes (Deploy, Release).
import {
  type Build,
  type BuildStatus,
  DEPLOY_REASONS,
  type Deploy,
  type DeployKind,
  type DeployReason,
  type DeployStatus,
  type EnvName,
  type Release,
  type ReleaseSource,
  type SourceOrigin,
} from '@berth/sdk';
import { resolveFormation } from './plan-deploy.ts';
import { declaredCounts, parseReleaseBuild } from './release-build.ts';
import type { BuildRow, DeployRow, ReleaseRow } from './tables.ts';

export interface DeployJoined extends DeployRow {
  job_status: string | null;
  job_error: string | null;
  job_error_code: string | null;
  job_started_at: number | null;
  job_finished_at: number | null;
}

interface ParsedParams {
  reason?: unknown;
  version?: unknown;
  source?: { type?: unknown; repository?: unknown; ref?: unknown; commit?: unknown; image?: unknown };
}

function parseParams(params: string): ParsedParams {
  try {
    return JSON.parse(params) as ParsedParams;
  } catch {
    return {};
  }
}

function originOf(text: string | null | undefined): SourceOrigin | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as SourceOrigin;
  } catch {
    return undefined;
  }
}

/** A git deploy not resolved yet shows what it asked for (its ref, and its commit where pinned). */
function pendingOrigin(params: ParsedParams): Deploy['origin'] {
  const s = params.source;
  if (s?.type !== 'git' || typeof s.ref !== 'string') return undefined;
  const repository = s.repository === 'external' ? 'external' : 'hosted';
  if (typeof s.commit === 'string') return { type: 'git', repository, ref: s.ref, commit: s.commit };
  return { type: 'git', repository, ref: s.ref };
}

export function toBuild(row: BuildRow): Build {
  const build: Build = {
    id: row.id,
    app: row.app_code,
    env: row.env as EnvName,
    status: row.status as BuildStatus,
    origin: originOf(row.origin)!,
    deployId: row.deploy_id,
    reused: Number(row.reused),
    createdAt: Number(row.created_at),
  };
  if (row.release_version !== null) build.release = Number(row.release_version);
  if (row.finished_at !== null) build.finishedAt = Number(row.finished_at);
  return build;
}

export function toDeploy(row: DeployJoined): Deploy {
  const status = row.status as DeployStatus;
  const deploy: Deploy = {
    id: row.id,
    app: row.app_code,
    env: row.env as EnvName,
    kind: row.kind as DeployKind,
    status,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
  if (row.job_id !== null) deploy.jobId = row.job_id;
  if (row.release_version !== null) deploy.release = Number(row.release_version);
  if (row.error !== null && status !== 'succeeded') {
    deploy.error = { code: row.error_code ?? 'DEPLOY_FAILED', message: row.error };
  } else if (row.job_error && status !== 'succeeded') {
    deploy.error = { code: row.job_error_code ?? 'DEPLOY_FAILED', message: row.job_error };
  }
  if (row.description) deploy.description = row.description;
  const params = parseParams(row.params);
  const reason = params.reason;
  if ((DEPLOY_REASONS as readonly unknown[]).includes(reason)) deploy.reason = reason as DeployReason;
  if (Number(row.requested) === 1) {
    const request: NonNullable<Deploy['request']> = {};
    if (row.description) request.note = row.description;
    if (row.not_before !== null) request.notBefore = Number(row.not_before);
    if (row.not_after !== null) request.notAfter = Number(row.not_after);
    if (typeof params.version === 'number') request.fromVersion = params.version;
    if (row.decided_by !== null) request.decidedBy = row.decided_by;
    if (row.decided_at !== null) request.decidedAt = Number(row.decided_at);
    if (row.decision_reason !== null) request.reason = row.decision_reason;
    deploy.request = request;
  }
  if (row.emergency_reason !== null) deploy.emergency = { reason: row.emergency_reason };
  const origin = originOf(row.origin) ?? pendingOrigin(params);
  if (origin) deploy.origin = origin;
  if (row.build_id) deploy.buildId = row.build_id;
  if (row.trigger_ref) deploy.trigger = row.trigger_ref;
  if (row.job_started_at !== null) deploy.startedAt = Number(row.job_started_at);
  const finished = row.finished_at ?? row.job_finished_at;
  if (finished !== null && finished !== undefined) deploy.finishedAt = Number(finished);
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
  const origin = originOf(row.origin);
  if (origin) release.origin = origin;
  if (row.build_id) release.buildId = row.build_id;
  return release;
}
