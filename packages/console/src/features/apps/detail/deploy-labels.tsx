// Deploy statuses and kinds in the visitor's language: a coloured tag for a status (which keeps the
// API's value in data-status for the tests), a word for a kind. Shared by the deploy views and the
// overview.
import type { Deploy, DeployKind, DeployReason, DeployStatus } from '@berth/sdk';
import { Tag } from 'antd';
import { useCallback } from 'react';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { deploysMessages } from './deploys-messages.ts';

const STATUS_KEY = {
  requested: 'statusRequested',
  approved: 'statusApproved',
  refused: 'statusRefused',
  withdrawn: 'statusWithdrawn',
  queued: 'statusQueued',
  running: 'statusRunning',
  succeeded: 'statusSucceeded',
  failed: 'statusFailed',
  cancelled: 'statusCancelled',
} as const satisfies Record<DeployStatus, string>;

const STATUS_COLOR: Record<DeployStatus, string> = {
  requested: 'gold',
  approved: 'cyan',
  refused: 'error',
  withdrawn: 'default',
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'warning',
};

const KIND_KEY = {
  build: 'kindBuild',
  rollback: 'kindRollback',
  promote: 'kindPromote',
  config: 'kindConfig',
  restart: 'kindRestart',
  scale: 'kindScale',
  stop: 'kindStop',
  start: 'kindStart',
} as const satisfies Record<DeployKind, string>;

/** Whether a deploy in this status may still change (and may be cancelled). */
export function isDeployActive(status: DeployStatus): boolean {
  return status === 'queued' || status === 'running';
}

export function DeployStatusTag({ status, testId }: { status: DeployStatus; testId?: string }) {
  const t = useMessages(deploysMessages);
  return (
    <Tag color={STATUS_COLOR[status]} data-status={status} {...(testId ? { 'data-testid': testId } : {})}>
      {t(STATUS_KEY[status])}
    </Tag>
  );
}

export function useDeployKind(): (kind: DeployKind) => string {
  const t = useMessages(deploysMessages);
  return useCallback((kind) => t(KIND_KEY[kind]), [t]);
}

const REASON_KEY = {
  secret_rotated: 'reasonSecretRotated',
} as const satisfies Record<DeployReason, string>;

/** What a deploy is about: the platform's reason in words, and what the deployer wrote. */
export function useDeployNote(): (deploy: Pick<Deploy, 'reason' | 'description'>) => string {
  const t = useMessages(deploysMessages);
  return useCallback(
    (deploy) =>
      [deploy.reason ? t(REASON_KEY[deploy.reason]) : '', deploy.description ?? '']
        .filter(Boolean)
        .join(': '),
    [t],
  );
}
