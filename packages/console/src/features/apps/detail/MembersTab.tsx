// The members tab: the app's developers (keyset-paged), added by username and removed. Adding
// answers the same whether or not the user exists (so that usernames cannot be probed), so the tab
// says so and shows the list again: the list is what tells.
import type { AppMember } from '@berth/sdk';
import { Button, Flex, Form, Input, Table, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useUser } from '../../../app/session.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { canWriteApp } from '../tabs-b/can-write.ts';
import { membersMessages } from '../tabs-b/members-messages.ts';
import { tabsShared } from '../tabs-b/shared-messages.ts';
import type { AppTabProps } from './tab-props.ts';

export default function MembersTab({ app, reloadApp }: AppTabProps) {
  const api = useApi();
  const user = useUser();
  const t = useMessages(membersMessages);
  const ts = useMessages(tabsShared);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ username: string }>();
  const [adding, setAdding] = useState(false);
  const [addedNote, setAddedNote] = useState<string | undefined>(undefined);
  const [removing, setRemoving] = useState<string | undefined>(undefined);
  const writer = canWriteApp(user);

  const list = useCursorList<AppMember>(
    async (cursor) => {
      const page = await api.listMembers(app.code, cursor ? { cursor } : {});
      return { items: page.members, nextCursor: page.nextCursor };
    },
    [api, app.code],
  );

  const add = async ({ username }: { username: string }) => {
    const name = username.trim();
    setAdding(true);
    setAddedNote(undefined);
    try {
      await api.addMember(app.code, { username: name });
      setAddedNote(t('added204', { username: name, app: app.code }));
      form.resetFields();
      list.reload();
      reloadApp();
    } catch (err) {
      feedback.error(err);
    } finally {
      setAdding(false);
    }
  };

  const remove = async (member: AppMember) => {
    // A developer who removes themselves can no longer see the app (admins and operators still can).
    const leaving = member.username === user.username && user.role === 'developer';
    const ok = await confirm({
      title: t('removeTitle', { username: member.username, app: app.code }),
      content: leaving
        ? t('removeSelfText', { app: app.code })
        : t('removeText', { username: member.username, app: app.code }),
      okText: t('removeOk'),
      danger: true,
    });
    if (!ok) return;
    setRemoving(member.username);
    try {
      await api.removeMember(app.code, member.username);
      feedback.success(t('removed', { username: member.username, app: app.code }));
      if (leaving) {
        navigate('/apps', { replace: true });
        return;
      }
      setAddedNote(undefined);
      list.reload();
      reloadApp();
    } catch (err) {
      feedback.error(err);
    } finally {
      setRemoving(undefined);
    }
  };

  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">{t('note')}</Typography.Text>
      {writer ? (
        <Form form={form} layout="inline" onFinish={add} disabled={adding} style={{ rowGap: 8 }}>
          <Form.Item
            name="username"
            rules={[{ required: true, whitespace: true, message: t('addRequired') }]}
            style={{ minWidth: 220 }}
          >
            <Input
              aria-label={t('addLabel')}
              placeholder={t('addPlaceholder')}
              autoComplete="off"
              maxLength={64}
              data-testid="member-add-input"
            />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={adding} data-testid="member-add-submit">
              {t('add')}
            </Button>
          </Form.Item>
        </Form>
      ) : null}
      {addedNote ? (
        <Typography.Text type="success" data-testid="member-add-note">
          {addedNote}
        </Typography.Text>
      ) : null}
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<AppMember>
            data-testid="members-table"
            aria-label={t('membersOf', { app: app.code })}
            rowKey="username"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            onRow={(m) =>
              ({ 'data-testid': `member-row-${m.username}` }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{ emptyText: <EmptyState description={t('empty', { app: app.code })} /> }}
            columns={[
              {
                key: 'username',
                title: t('username'),
                render: (_, m) => <Typography.Text strong>{m.username}</Typography.Text>,
              },
              { key: 'displayName', title: t('displayName'), dataIndex: 'displayName' },
              {
                key: 'added',
                title: t('added'),
                render: (_, m) => (
                  <span title={format.dateTime(m.addedAt)}>{format.relative(m.addedAt)}</span>
                ),
              },
              ...(writer
                ? [
                    {
                      key: 'actions',
                      title: ts('actions'),
                      render: (_: unknown, m: AppMember) => (
                        <Button
                          size="small"
                          danger
                          onClick={() => remove(m)}
                          disabled={removing !== undefined}
                          loading={removing === m.username}
                          data-testid={`member-remove-${m.username}`}
                        >
                          {t('remove')}
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <LoadMore list={list} testId="members-more" count="none" />
        </>
      )}
    </Flex>
  );
}
