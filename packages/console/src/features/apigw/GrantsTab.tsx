// Grants of API gateway calls (/apigw?tab=grants): the grants the user may see (developers: those of
// their apps, as callers or owners), filtered by calling app and system (kept in the address);
// granting and revoking are offered to admins, operators and developers, and the API decides per
// system (a developer only for systems whose owner app they are a member of): its refusal is shown
// with its code.
import { PlusOutlined } from '@ant-design/icons';
import type { ApigwGrant } from '@berth/sdk';
import { Button, Flex, Table, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { AppSystemFilters } from './AppSystemFilters.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { GRANT_WRITERS } from './apigw-view.ts';
import { GrantModal } from './GrantModal.tsx';

export function GrantsTab() {
  const api = useApi();
  const user = useUser();
  const t = useMessages(apigwMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [params, setParams] = useSearchParams();
  const app = params.get('app') ?? '';
  const system = params.get('system') ?? '';
  const [appText, setAppText] = useState(app);
  const [granting, setGranting] = useState(0);
  const canWrite = GRANT_WRITERS.includes(user.role);

  const systems = useAsync(async () => (await api.listApigwSystems()).items, [api]);
  const grants = useAsync(
    async () =>
      (
        await api.listApigwGrants({
          ...(app ? { app } : {}),
          ...(system ? { system } : {}),
        })
      ).items,
    [api, app, system],
  );

  const setFilter = (key: 'app' | 'system', value: string) => {
    const next = new URLSearchParams(params);
    next.set('tab', 'grants');
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const onRevoke = async (g: ApigwGrant) => {
    const scope = g.component ? `${g.system}/${g.component}` : g.system;
    const ok = await confirm({
      title: t('revokeTitle', { app: g.app, scope }),
      content: t('revokeText'),
      okText: t('revoke'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.revokeApigwGrant(g.id);
      grants.setData((grants.data ?? []).filter((x) => x.id !== g.id));
      feedback.success(t('revoked'));
    } catch (err) {
      feedback.error(err);
    }
  };

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 16 }}>
        <AppSystemFilters
          testIdPrefix="apigw-grants"
          appText={appText}
          setAppText={setAppText}
          system={system}
          onFilter={setFilter}
          systems={systems}
        />
        {canWrite ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setGranting((n) => n + 1)}
            data-testid="apigw-grant-add"
          >
            {t('grant')}
          </Button>
        ) : null}
      </Flex>
      {grants.error ? (
        <ErrorAlert error={grants.error} onRetry={grants.reload} />
      ) : (
        <Table<ApigwGrant>
          data-testid="apigw-grants-table"
          rowKey="id"
          loading={grants.loading}
          dataSource={grants.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          onRow={(g) =>
            ({
              'data-testid': `apigw-grant-row-${g.app}-${g.system}-${g.component ?? '*'}`,
            }) as React.HTMLAttributes<HTMLElement>
          }
          locale={{ emptyText: grants.loading ? ' ' : <EmptyState description={t('grantsEmpty')} /> }}
          columns={[
            {
              title: t('colCaller'),
              key: 'app',
              render: (_, g) => <Typography.Text code>{g.app}</Typography.Text>,
            },
            { title: t('colSystem'), dataIndex: 'system' },
            {
              title: t('colComponent'),
              key: 'component',
              render: (_, g) => g.component ?? <ToneTag tone="purple">{t('wholeSystem')}</ToneTag>,
            },
            {
              title: t('colExpires'),
              key: 'expires',
              render: (_, g) =>
                g.expiresAt === null ? (
                  t('noExpiry')
                ) : g.expired ? (
                  <ToneTag tone="red">{t('expiredAt', { at: format.dateTime(g.expiresAt) })}</ToneTag>
                ) : (
                  format.dateTime(g.expiresAt)
                ),
            },
            { title: t('colGrantedBy'), dataIndex: 'grantedBy' },
            { title: t('colCreated'), key: 'created', render: (_, g) => format.dateTime(g.createdAt) },
            ...(canWrite
              ? [
                  {
                    title: t('colActions'),
                    key: 'actions',
                    render: (_: unknown, g: ApigwGrant) => (
                      <Button
                        size="small"
                        danger
                        onClick={() => void onRevoke(g)}
                        data-testid={`apigw-grant-revoke-${g.id}`}
                      >
                        {t('revoke')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      <GrantModal
        key={granting}
        open={granting > 0}
        systems={systems.data ?? []}
        initialSystem={system}
        onClose={() => setGranting(0)}
        onGranted={(g) => {
          setGranting(0);
          grants.reload();
          feedback.success(
            t('granted', { app: g.app, scope: g.component ? `${g.system}/${g.component}` : g.system }),
          );
        }}
      />
    </>
  );
}
