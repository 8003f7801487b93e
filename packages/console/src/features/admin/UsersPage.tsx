// Users and roles (/admin/users): admins, operators and auditors see the list (paged); only admins
// create, edit, disable/enable and delete; operators reset developers' passwords. Buttons a role
// cannot use are not shown; the API decides anyway.

import { PlusOutlined } from '@ant-design/icons';
import type { User } from '@berth/sdk';
import { Alert, Button, Flex, Table, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { useSession, useUser } from '../../app/session.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useRoleLabel } from '../../components/roles.ts';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { ADMIN_PAGE_ROLES } from './page-roles.ts';
import { ResetPasswordModal } from './ResetPasswordModal.tsx';
import { UserCreateModal } from './UserCreateModal.tsx';
import { UserEditModal } from './UserEditModal.tsx';
import { userActions } from './user-fields.ts';
import { usersMessages } from './users-messages.ts';

const ROLE_TONES = { admin: 'red', operator: 'amber', developer: 'blue', auditor: 'purple' } as const;

function UsersList() {
  const api = useApi();
  const me = useUser();
  const { refresh } = useSession();
  const t = useMessages(usersMessages);
  const roleLabel = useRoleLabel();
  const format = useFormat();
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | undefined>(undefined);
  const [resetting, setResetting] = useState<User | undefined>(undefined);
  const isAdmin = me.role === 'admin';

  const list = useCursorList<User>(
    async (cursor) => {
      const page = await api.listUsers({ limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.users, nextCursor: page.nextCursor };
    },
    [api],
  );

  const replace = (user: User) =>
    list.update((items) => items.map((u) => (u.username === user.username ? user : u)));

  /** After a change to my own account: the session may have ended, or my role changed. */
  const afterSelf = async (user: User) => {
    if (user.username === me.username) await refresh();
  };

  const onToggle = async (user: User) => {
    const disabling = !user.disabled;
    const self = user.username === me.username;
    const ok = await confirm(
      disabling
        ? {
            title: t('disableTitle', { username: user.username }),
            content: self ? t('disableSelfText') : t('disableText', { username: user.username }),
            okText: t('disable'),
            danger: true,
          }
        : {
            title: t('enableTitle', { username: user.username }),
            content: t('enableText', { username: user.username }),
            okText: t('enable'),
          },
    );
    if (!ok) return;
    try {
      const result = await api.updateUser(user.username, { disabled: disabling });
      replace(result.user);
      feedback.success(t(disabling ? 'disabled' : 'enabled', { username: user.username }));
      await afterSelf(result.user);
    } catch (err) {
      feedback.error(err);
    }
  };

  const onDelete = async (user: User) => {
    const self = user.username === me.username;
    const ok = await confirm({
      title: t('deleteTitle', { username: user.username }),
      content: self ? t('deleteSelfText') : t('deleteText', { username: user.username }),
      okText: t('delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteUser(user.username);
      list.update((items) => items.filter((u) => u.username !== user.username));
      feedback.success(t('deleted', { username: user.username }));
      await afterSelf(user);
    } catch (err) {
      feedback.error(err);
    }
  };

  const createButton = (testId?: string) => (
    <Button
      type="primary"
      icon={<PlusOutlined />}
      onClick={() => setCreating(true)}
      {...(testId ? { 'data-testid': testId } : {})}
    >
      {t('create')}
    </Button>
  );

  return (
    <>
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle')}
        extra={isAdmin ? createButton('user-create') : undefined}
      />
      {isAdmin ? null : (
        <Alert
          type="info"
          showIcon
          title={me.role === 'operator' ? t('readOnlyOperator') : t('readOnly')}
          style={{ marginBottom: 16 }}
        />
      )}
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<User>
            data-testid="users-table"
            rowKey="username"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            onRow={(user) =>
              ({ 'data-testid': `user-row-${user.username}` }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{
              emptyText: list.loading ? (
                ' '
              ) : (
                <EmptyState description={t('empty')} action={isAdmin ? createButton() : undefined} />
              ),
            }}
            columns={[
              {
                title: t('colUser'),
                key: 'user',
                render: (_, user) => (
                  <Flex vertical>
                    <span>
                      <strong>{user.displayName || user.username}</strong>
                      {user.username === me.username ? (
                        <Typography.Text type="secondary"> ({t('you')})</Typography.Text>
                      ) : null}
                    </span>
                    <Typography.Text type="secondary" code>
                      {user.username}
                    </Typography.Text>
                  </Flex>
                ),
              },
              {
                title: t('colRole'),
                dataIndex: 'role',
                render: (role: User['role']) => <ToneTag tone={ROLE_TONES[role]}>{roleLabel(role)}</ToneTag>,
              },
              {
                title: t('colEmail'),
                responsive: ['md'],
                dataIndex: 'email',
                render: (email: string | undefined) =>
                  email ?? <Typography.Text type="secondary">—</Typography.Text>,
              },
              {
                title: t('colState'),
                key: 'state',
                render: (_, user) => (
                  <Flex gap={4} wrap>
                    {user.disabled ? (
                      <ToneTag tone="gray">{t('stateDisabled')}</ToneTag>
                    ) : (
                      <ToneTag tone="green">{t('stateActive')}</ToneTag>
                    )}
                    {user.passwordChangeRequired ? (
                      <ToneTag tone="amber">{t('stateMustChange')}</ToneTag>
                    ) : null}
                  </Flex>
                ),
              },
              {
                title: t('colCreated'),
                responsive: ['xxl'],
                dataIndex: 'createdAt',
                render: (v: number) => format.dateTime(v),
              },
              {
                title: t('colActions'),
                key: 'actions',
                render: (_, user) => {
                  const can = userActions(me, user);
                  return (
                    <Flex gap={4} wrap>
                      {can.edit ? (
                        <Button
                          size="small"
                          onClick={() => setEditing(user)}
                          data-testid={`user-edit-${user.username}`}
                        >
                          {t('edit')}
                        </Button>
                      ) : null}
                      {can.resetPassword ? (
                        <Button
                          size="small"
                          onClick={() => setResetting(user)}
                          data-testid={`user-reset-${user.username}`}
                        >
                          {t('resetPassword')}
                        </Button>
                      ) : null}
                      {can.disable ? (
                        <Button
                          size="small"
                          danger={!user.disabled}
                          onClick={() => void onToggle(user)}
                          data-testid={`user-${user.disabled ? 'enable' : 'disable'}-${user.username}`}
                        >
                          {user.disabled ? t('enable') : t('disable')}
                        </Button>
                      ) : null}
                      {can.delete ? (
                        <Button
                          size="small"
                          danger
                          onClick={() => void onDelete(user)}
                          data-testid={`user-delete-${user.username}`}
                        >
                          {t('delete')}
                        </Button>
                      ) : null}
                    </Flex>
                  );
                },
              },
            ]}
          />
          <LoadMore list={list} testId="users-load-more" />
        </>
      )}
      <UserCreateModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(user) => {
          setCreating(false);
          list.update((items) =>
            [...items, user].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)),
          );
          feedback.success(t('created', { username: user.username }));
        }}
      />
      <UserEditModal
        user={editing}
        onClose={() => setEditing(undefined)}
        onSaved={(user) => {
          setEditing(undefined);
          replace(user);
          feedback.success(t('saved', { username: user.username }));
          void afterSelf(user);
        }}
      />
      <ResetPasswordModal
        user={resetting}
        onClose={() => setResetting(undefined)}
        onDone={(user) => {
          setResetting(undefined);
          replace(user);
          feedback.success(t('resetDone', { username: user.username }));
        }}
      />
    </>
  );
}

export default function UsersPage() {
  return (
    <RequireRole roles={ADMIN_PAGE_ROLES.users}>
      <UsersList />
    </RequireRole>
  );
}
