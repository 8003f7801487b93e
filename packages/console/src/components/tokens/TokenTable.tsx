// The API-token table of "my tokens" (account page) and of every user's tokens (admin): name,
// prefix, state, dates, revoke with a confirmation, and the "load more" foot. The pages differ in
// where the tokens come from, the owner column (admin only), the revoke call and its confirmation
// text, the empty state and the test ids; those come in as props.
import type { ApiToken } from '@berth/sdk';
import { Button, Table, Typography } from 'antd';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { useConfirm } from '../confirm.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { useFeedback } from '../feedback.tsx';
import { LoadMore } from '../LoadMore.tsx';
import type { CursorList } from '../use-cursor-list.ts';
import { TokenStatus } from './TokenStatus.tsx';
import { tokenMessages } from './token-messages.ts';
import { tokenState } from './token-state.ts';

export interface TokenTableProps {
  list: CursorList<ApiToken>;
  /** The rows shown, when the page hides some of the loaded tokens (default: all of them). */
  rows?: ApiToken[];
  /** Shows the owner column; clicking an owner calls this (the admin page filters by them). */
  onOwner?: (username: string) => void;
  /** The API call that revokes the token (after the confirmation). */
  revoke: (token: ApiToken) => Promise<unknown>;
  /** The confirmation's text: what revoking this token stops. */
  revokeText: (token: ApiToken) => string;
  empty: React.ReactNode;
  size?: 'middle';
  testIds: {
    table: string;
    row: (token: ApiToken) => string;
    revoke: (token: ApiToken) => string;
    loadMore: string;
  };
}

export function TokenTable({
  list,
  rows,
  onOwner,
  revoke,
  revokeText,
  empty,
  size,
  testIds,
}: TokenTableProps) {
  const t = useMessages(tokenMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const confirm = useConfirm();
  const shown = rows ?? list.items;

  const onRevoke = async (token: ApiToken) => {
    const ok = await confirm({
      title: t('revokeTitle', { name: token.name }),
      content: revokeText(token),
      okText: t('revoke'),
      danger: true,
    });
    if (!ok) return;
    try {
      await revoke(token);
      const revokedAt = Date.now();
      list.update((items) => items.map((x) => (x.id === token.id ? { ...x, revokedAt } : x)));
      feedback.success(t('revoked', { name: token.name }));
    } catch (err) {
      feedback.error(err);
    }
  };

  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  return (
    <>
      <Table<ApiToken>
        data-testid={testIds.table}
        rowKey="id"
        {...(size ? { size } : {})}
        loading={list.loading}
        dataSource={shown}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(token) => ({ 'data-testid': testIds.row(token) }) as React.HTMLAttributes<HTMLElement>}
        locale={{ emptyText: list.loading ? ' ' : empty }}
        columns={[
          ...(onOwner
            ? [
                {
                  title: t('colOwner'),
                  dataIndex: 'username',
                  render: (owner: string) => (
                    <Button type="link" size="small" onClick={() => onOwner(owner)} style={{ padding: 0 }}>
                      {owner}
                    </Button>
                  ),
                },
              ]
            : []),
          { title: t('colName'), dataIndex: 'name', render: (name: string) => <strong>{name}</strong> },
          {
            title: t('colPrefix'),
            responsive: ['md'],
            dataIndex: 'prefix',
            render: (prefix: string) => <Typography.Text code>{prefix}…</Typography.Text>,
          },
          { title: t('colState'), key: 'state', render: (_, token) => <TokenStatus token={token} /> },
          {
            title: t('colCreated'),
            responsive: ['lg'],
            dataIndex: 'createdAt',
            render: (v: number) => format.dateTime(v),
          },
          {
            title: t('colExpires'),
            // With the owner column there is no room for it on a phone.
            ...(onOwner ? { responsive: ['md' as const] } : {}),
            dataIndex: 'expiresAt',
            render: (v: number | undefined) => (v === undefined ? t('never') : format.dateTime(v)),
          },
          {
            title: t('colLastUsed'),
            responsive: ['md'],
            dataIndex: 'lastUsedAt',
            render: (v: number | undefined) => (v === undefined ? t('neverUsed') : format.relative(v)),
          },
          {
            title: t('colActions'),
            key: 'actions',
            render: (_, token) =>
              tokenState(token) === 'revoked' ? null : (
                <Button
                  danger
                  size="small"
                  onClick={() => void onRevoke(token)}
                  data-testid={testIds.revoke(token)}
                >
                  {t('revoke')}
                </Button>
              ),
          },
        ]}
      />
      <LoadMore list={list} testId={testIds.loadMore} {...(rows ? { shown: rows.length } : {})} />
    </>
  );
}
