// An environment's deploys, newest first, a page at a time ("load more"); a row opens the deploy.
import type { App, Deploy, EnvName } from '@berth/sdk';
import { Button, Card, Flex, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { DeployStatusTag, useDeployKind } from './deploy-labels.tsx';
import { deploysMessages } from './deploys-messages.ts';

const PAGE_SIZE = 20;

export function DeployHistory({
  app,
  env,
  selected,
  refreshKey,
  onOpen,
}: {
  app: App;
  env: EnvName;
  selected: string | undefined;
  /** Changes when the list should be read again (a deploy started or changed status). */
  refreshKey: string;
  onOpen(deployId: string): void;
}) {
  const api = useApi();
  const t = useMessages(deploysMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const kindLabel = useDeployKind();
  const feedback = useFeedback();
  const [deploys, setDeploys] = useState<Deploy[] | undefined>(undefined);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey and tick read the first page again
  useEffect(() => {
    const mine = ++generation.current;
    setError(undefined);
    api.listDeploys(app.code, env, { limit: PAGE_SIZE }).then(
      (page) => {
        if (generation.current !== mine) return;
        setDeploys(page.deploys);
        setNextCursor(page.nextCursor);
      },
      (err: unknown) => {
        if (generation.current === mine) setError(err);
      },
    );
  }, [api, app.code, env, refreshKey, tick]);

  const loadMore = useCallback(async () => {
    if (!nextCursor || !deploys) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await api.listDeploys(app.code, env, { limit: PAGE_SIZE, cursor: nextCursor });
      if (generation.current !== mine) return;
      const seen = new Set(deploys.map((d) => d.id));
      setDeploys([...deploys, ...page.deploys.filter((d) => !seen.has(d.id))]);
      setNextCursor(page.nextCursor);
    } catch (err) {
      feedback.error(err);
    } finally {
      setLoadingMore(false);
    }
  }, [api, app.code, env, nextCursor, deploys, feedback]);

  const columns = useMemo<ColumnsType<Deploy>>(
    () => [
      {
        key: 'id',
        title: t('id'),
        render: (_, d) => (
          <Link to={{ search: `?deploy=${encodeURIComponent(d.id)}` }} aria-label={t('open', { id: d.id })}>
            {d.id}
          </Link>
        ),
      },
      { key: 'status', title: t('status'), render: (_, d) => <DeployStatusTag status={d.status} /> },
      { key: 'kind', title: t('kind'), render: (_, d) => kindLabel(d.kind) },
      {
        key: 'release',
        title: t('release'),
        render: (_, d) => (d.release === undefined ? '—' : e('release', { version: d.release })),
      },
      { key: 'description', title: t('descriptionLabel'), dataIndex: 'description', ellipsis: true },
      { key: 'by', title: t('by'), dataIndex: 'createdBy' },
      { key: 'when', title: t('when'), render: (_, d) => format.dateTime(d.createdAt) },
    ],
    [t, e, format, kindLabel],
  );

  return (
    <Card size="small" title={t('history')}>
      {error ? (
        <ErrorAlert error={error} onRetry={() => setTick((n) => n + 1)} />
      ) : (
        <>
          <Table<Deploy>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={deploys ?? []}
            loading={deploys === undefined}
            pagination={false}
            scroll={{ x: 'max-content' }}
            rowClassName={(d) => (d.id === selected ? 'ant-table-row-selected' : '')}
            onRow={(d) =>
              ({
                onClick: () => onOpen(d.id),
                style: { cursor: 'pointer' },
                'data-testid': `deploy-row-${d.id}`,
              }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{
              emptyText: deploys === undefined ? ' ' : <EmptyState description={t('historyEmpty')} />,
            }}
          />
          {nextCursor ? (
            <Flex justify="center" style={{ marginTop: 12 }}>
              <Button onClick={() => void loadMore()} loading={loadingMore} data-testid="deploys-more">
                {t('loadMore')}
              </Button>
            </Flex>
          ) : null}
        </>
      )}
    </Card>
  );
}
