// One deploy, live: its status, kind, release and times, the error when it failed, and its log,
// followed by polling `deployLogs(id, {after})` until the deploy ends (then read to the last line).
// The log scrolls along unless the reader scrolled up; a queued or running deploy can be cancelled.
import type { Deploy, DeployLogsResponse } from '@berth/sdk';
import { Alert, Button, Card, Descriptions, Flex, Typography } from 'antd';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { originMessages } from '../source/origin-messages.ts';
import { SourceOriginText, useTriggerText } from '../source/SourceOriginText.tsx';
import { DeployStatusTag, isDeployActive, useDeployKind, useDeployNote } from './deploy-labels.tsx';
import { deploysMessages } from './deploys-messages.ts';
import { requestFormMessages } from './request-messages.ts';

type LogLine = DeployLogsResponse['lines'][number];

/** Lines kept on the page; older ones are dropped (the CLI's `berth deploys logs` has them all). */
const MAX_LINES = 10_000;
const POLL_MS = 1000;

export function DeployView({
  deployId,
  appName,
  onClose,
  onChange,
}: {
  deployId: string;
  appName: string;
  onClose(): void;
  /** The deploy's status changed (the history refreshes). */
  onChange(deploy: Deploy): void;
}) {
  const api = useApi();
  const t = useMessages(deploysMessages);
  const r = useMessages(requestFormMessages);
  const e = useMessages(envMessages);
  const o = useMessages(originMessages);
  const triggerText = useTriggerText();
  const format = useFormat();
  const kindLabel = useDeployKind();
  const note = useDeployNote();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const [deploy, setDeploy] = useState<Deploy | undefined>(undefined);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const [cancelling, setCancelling] = useState(false);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick restarts the follow after an error
  useEffect(() => {
    let stopped = false;
    let after = 0;
    let lastStatus: string | undefined;
    setLines([]);
    setTruncated(false);
    setError(undefined);
    let total = 0;
    const append = (more: LogLine[]) => {
      if (more.length === 0) return;
      total += more.length;
      if (total > MAX_LINES) setTruncated(true);
      setLines((old) => {
        const all = old.concat(more);
        return all.length <= MAX_LINES ? all : all.slice(all.length - MAX_LINES);
      });
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const follow = async () => {
      while (!stopped) {
        const [current, logs] = await Promise.all([
          api.getDeploy(deployId),
          api.deployLogs(deployId, { after }),
        ]);
        if (stopped) return;
        append(logs.lines);
        after = logs.nextAfter;
        setDeploy(current.deploy);
        if (current.deploy.status !== lastStatus) {
          lastStatus = current.deploy.status;
          onChangeRef.current(current.deploy);
        }
        if (!isDeployActive(current.deploy.status)) {
          // Ended: read the lines written between the two answers, then stop.
          for (;;) {
            const rest = await api.deployLogs(deployId, { after });
            if (stopped || rest.lines.length === 0) return;
            append(rest.lines);
            after = rest.nextAfter;
          }
        }
        // A full page means more is waiting: ask again at once.
        if (logs.lines.length < 1000) await sleep(POLL_MS);
      }
    };
    follow().catch((err: unknown) => {
      if (!stopped) setError(err);
    });
    return () => {
      stopped = true;
    };
  }, [api, deployId, tick]);

  // Follow the end of the log unless the reader scrolled up.
  const logRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [paused, setPaused] = useState(false);
  const onScroll = useCallback(() => {
    const el = logRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    stick.current = atBottom;
    setPaused(!atBottom);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each batch of lines
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const cancel = async () => {
    if (!deploy) return;
    const ok = await confirm({
      title: t('cancelTitle', { id: deploy.id }),
      content: t('cancelText', { app: appName, env: e(deploy.env) }),
      okText: t('cancel'),
      danger: true,
    });
    if (!ok) return;
    setCancelling(true);
    try {
      const result = await api.cancelDeploy(deploy.id);
      setDeploy(result.deploy);
      feedback.success(t('cancelled'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <Card
      size="small"
      data-testid="deploy-view"
      title={<span>{t('liveTitle', { id: deployId })}</span>}
      extra={
        <Flex gap={8} wrap>
          {deploy && isDeployActive(deploy.status) ? (
            <Button danger onClick={() => void cancel()} loading={cancelling} data-testid="deploy-cancel">
              {t('cancel')}
            </Button>
          ) : null}
          <Button onClick={onClose} data-testid="deploy-close">
            {t('closeDeploy')}
          </Button>
        </Flex>
      }
      style={{ marginBottom: 16 }}
    >
      {error ? <ErrorAlert error={error} onRetry={() => setTick((n) => n + 1)} /> : null}
      {deploy ? (
        <>
          <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t('status')}>
              <DeployStatusTag status={deploy.status} testId="deploy-status" />
            </Descriptions.Item>
            <Descriptions.Item label={t('kind')}>{kindLabel(deploy.kind)}</Descriptions.Item>
            <Descriptions.Item label={t('env')}>{e(deploy.env)}</Descriptions.Item>
            <Descriptions.Item label={t('release')}>
              {deploy.release === undefined ? '—' : e('release', { version: deploy.release })}
            </Descriptions.Item>
            {deploy.origin ? (
              <Descriptions.Item label={o('originLabel')}>
                <SourceOriginText origin={deploy.origin} testId="deploy-origin" />
              </Descriptions.Item>
            ) : null}
            {deploy.trigger ? (
              <Descriptions.Item label={o('triggerLabel')}>{triggerText(deploy.trigger)}</Descriptions.Item>
            ) : null}
            {deploy.buildId ? (
              <Descriptions.Item label={o('buildLabel')}>
                <Typography.Text code>{deploy.buildId}</Typography.Text>
              </Descriptions.Item>
            ) : null}
            <Descriptions.Item label={t('createdBy')}>{deploy.createdBy}</Descriptions.Item>
            <Descriptions.Item label={t('created')}>{format.dateTime(deploy.createdAt)}</Descriptions.Item>
            {deploy.startedAt ? (
              <Descriptions.Item label={t('started')}>{format.dateTime(deploy.startedAt)}</Descriptions.Item>
            ) : null}
            {deploy.finishedAt ? (
              <Descriptions.Item label={t('finished')}>
                {format.dateTime(deploy.finishedAt)}
              </Descriptions.Item>
            ) : null}
            {deploy.startedAt && deploy.finishedAt ? (
              <Descriptions.Item label={t('duration')}>
                {format.duration(deploy.finishedAt - deploy.startedAt)}
              </Descriptions.Item>
            ) : null}
            {deploy.request ? (
              <Descriptions.Item label={r('requestTag')}>
                <Link to={`/requests/${encodeURIComponent(deploy.id)}`} data-testid="deploy-request-link">
                  {r('openRequest', { id: deploy.id })}
                </Link>
              </Descriptions.Item>
            ) : null}
            {deploy.emergency ? (
              <Descriptions.Item label={r('emergencyTag')}>{deploy.emergency.reason}</Descriptions.Item>
            ) : null}
            {note(deploy) ? (
              <Descriptions.Item label={t('descriptionLabel')}>{note(deploy)}</Descriptions.Item>
            ) : null}
          </Descriptions>
          {deploy.error ? (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="deploy-error"
              title={deploy.error.message}
              description={
                <>
                  {t('error')}: <Typography.Text code>{deploy.error.code}</Typography.Text>
                </>
              }
            />
          ) : null}
        </>
      ) : null}
      <Typography.Title level={3} style={{ fontSize: 14 }}>
        {t('log')}
      </Typography.Title>
      <div
        ref={logRef}
        onScroll={onScroll}
        className="berth-log"
        data-testid="deploy-log"
        role="log"
        aria-live="polite"
        aria-label={t('log')}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled
        tabIndex={0}
        style={{ minHeight: 120 }}
      >
        {truncated ? <div>…</div> : null}
        {lines.length === 0 ? (
          <span style={{ opacity: 0.7 }}>{t('logEmpty')}</span>
        ) : (
          lines.map((l) => (
            <div
              key={l.seq}
              style={
                l.level === 'error'
                  ? { color: '#ff7875' }
                  : l.level === 'warn'
                    ? { color: '#ffd666' }
                    : undefined
              }
            >
              {l.line}
            </div>
          ))
        )}
      </div>
      {paused ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('logPaused')}
        </Typography.Text>
      ) : null}
    </Card>
  );
}
