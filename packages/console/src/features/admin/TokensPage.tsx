// Every user's API tokens (/admin/tokens, admins): newest first, paged, filtered by username (in the
// URL, so a filtered view is a link), revoke with a confirmation naming the owner.
import type { ApiToken } from '@berth/sdk';
import { Button, Flex, Input, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { TokenStatus } from '../account/TokenStatus.tsx';
import { tokenMessages } from '../account/token-messages.ts';
import { tokenState } from '../account/token-state.ts';
import { adminTokensMessages } from './admin-tokens-messages.ts';
import { USERNAME_RE } from './user-fields.ts';

function TokensList() {
  const api = useApi();
  const t = useMessages(adminTokensMessages);
  const tk = useMessages(tokenMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [params, setParams] = useSearchParams();
  const username = params.get('username') ?? '';
  const [draft, setDraft] = useState(username);
  const [invalid, setInvalid] = useState(false);
  // The back button changes the filter too.
  useEffect(() => setDraft(username), [username]);

  const list = useCursorList<ApiToken>(
    async (cursor) => {
      const page = await api.listTokens({
        limit: 50,
        ...(username ? { username } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { items: page.tokens, nextCursor: page.nextCursor };
    },
    [api, username],
  );

  const applyFilter = (value: string) => {
    const name = value.trim().toLowerCase();
    if (name && !USERNAME_RE.test(name)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setDraft(name);
    setParams(name ? { username: name } : {});
  };

  const onRevoke = async (token: ApiToken) => {
    const ok = await confirm({
      title: tk('revokeTitle', { name: token.name }),
      content: tk('revokeTextOwner', { user: token.username, name: token.name, prefix: token.prefix }),
      okText: tk('revoke'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.revokeToken(token.id);
      const revokedAt = Date.now();
      list.update((items) => items.map((x) => (x.id === token.id ? { ...x, revokedAt } : x)));
      feedback.success(tk('revoked', { name: token.name }));
    } catch (err) {
      feedback.error(err);
    }
  };

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Flex gap={8} wrap align="flex-start" style={{ marginBottom: 16 }}>
        <div>
          <Input.Search
            aria-label={t('filterUser')}
            placeholder={t('filterPlaceholder')}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onSearch={applyFilter}
            allowClear
            status={invalid ? 'error' : undefined}
            style={{ width: 260, maxWidth: '100%' }}
            data-testid="admin-tokens-filter"
          />
          {invalid ? (
            <div>
              <Typography.Text type="danger">{t('filterInvalid')}</Typography.Text>
            </div>
          ) : null}
        </div>
        {username ? (
          <Button onClick={() => applyFilter('')} data-testid="admin-tokens-clear">
            {t('clear')}
          </Button>
        ) : null}
      </Flex>
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<ApiToken>
            data-testid="admin-tokens-table"
            rowKey="id"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            onRow={(token) =>
              ({ 'data-testid': `admin-token-row-${token.id}` }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{
              emptyText: list.loading ? (
                ' '
              ) : (
                <EmptyState description={username ? t('emptyFiltered', { username }) : t('empty')} />
              ),
            }}
            columns={[
              {
                title: tk('colOwner'),
                dataIndex: 'username',
                render: (owner: string) => (
                  <Button type="link" size="small" onClick={() => applyFilter(owner)} style={{ padding: 0 }}>
                    {owner}
                  </Button>
                ),
              },
              { title: tk('colName'), dataIndex: 'name', render: (name: string) => <strong>{name}</strong> },
              {
                title: tk('colPrefix'),
                responsive: ['md'],
                dataIndex: 'prefix',
                render: (prefix: string) => <Typography.Text code>{prefix}…</Typography.Text>,
              },
              { title: tk('colState'), key: 'state', render: (_, token) => <TokenStatus token={token} /> },
              {
                title: tk('colCreated'),
                responsive: ['lg'],
                dataIndex: 'createdAt',
                render: (v: number) => format.dateTime(v),
              },
              {
                title: tk('colExpires'),
                responsive: ['md'],
                dataIndex: 'expiresAt',
                render: (v: number | undefined) => (v === undefined ? tk('never') : format.dateTime(v)),
              },
              {
                title: tk('colLastUsed'),
                responsive: ['md'],
                dataIndex: 'lastUsedAt',
                render: (v: number | undefined) => (v === undefined ? tk('neverUsed') : format.relative(v)),
              },
              {
                title: tk('colActions'),
                key: 'actions',
                render: (_, token) =>
                  tokenState(token) === 'revoked' ? null : (
                    <Button
                      danger
                      size="small"
                      onClick={() => void onRevoke(token)}
                      data-testid={`admin-token-revoke-${token.id}`}
                    >
                      {tk('revoke')}
                    </Button>
                  ),
              },
            ]}
          />
          <LoadMore list={list} testId="admin-tokens-load-more" />
        </>
      )}
    </>
  );
}

export default function TokensPage() {
  return (
    <RequireRole roles={['admin']}>
      <TokensList />
    </RequireRole>
  );
}
