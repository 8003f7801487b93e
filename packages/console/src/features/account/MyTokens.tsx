// My API tokens on the account page: the list (paged), create (the secret shown once), revoke.

import { PlusOutlined } from '@ant-design/icons';
import type { ApiToken } from '@berth/sdk';
import { Button, Card, Flex, Form, Input, InputNumber, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { TokenTable } from '../../components/tokens/TokenTable.tsx';
import { tokenMessages } from '../../components/tokens/token-messages.ts';
import { tokenState } from '../../components/tokens/token-state.ts';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { TokenSecretModal } from './TokenSecretModal.tsx';

interface CreateForm {
  name: string;
  expiresInDays?: number | null;
}

export function MyTokens() {
  const api = useApi();
  const t = useMessages(tokenMessages);
  const feedback = useFeedback();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  /** Revoked tokens stay listed by the API (their history); shown on request. */
  const [showRevoked, setShowRevoked] = useState(false);
  const [form] = Form.useForm<CreateForm>();

  const list = useCursorList<ApiToken>(
    async (cursor) => {
      const page = await api.listMyTokens({ limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.tokens, nextCursor: page.nextCursor };
    },
    [api],
  );

  const rows = showRevoked ? list.items : list.items.filter((x) => tokenState(x) !== 'revoked');

  const openCreate = () => setCreating(true);

  const onCreate = async (values: CreateForm) => {
    const name = values.name.trim();
    const result = await api.createMyToken({
      name,
      ...(values.expiresInDays ? { expiresInDays: values.expiresInDays } : {}),
    });
    list.update((items) => [result.token, ...items]);
    setCreating(false);
    setSecret(result.secret);
    feedback.success(t('created', { name }));
  };

  return (
    <Card
      title={t('title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={openCreate} data-testid="token-create">
          {t('create')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <Flex gap={8} align="center" style={{ marginBottom: 12 }}>
        <Switch
          checked={showRevoked}
          onChange={setShowRevoked}
          aria-label={t('showRevoked')}
          size="small"
          data-testid="tokens-show-revoked"
        />
        <Typography.Text>{t('showRevoked')}</Typography.Text>
      </Flex>
      <TokenTable
        list={list}
        rows={rows}
        revoke={(token) => api.revokeMyToken(token.id)}
        revokeText={(token) => t('revokeText', { name: token.name, prefix: token.prefix })}
        size="middle"
        empty={
          <EmptyState
            description={t('empty')}
            action={
              <Button onClick={openCreate} icon={<PlusOutlined />}>
                {t('create')}
              </Button>
            }
          />
        }
        testIds={{
          table: 'tokens-table',
          row: (token) => `token-row-${token.name}`,
          revoke: (token) => `token-revoke-${token.name}`,
          loadMore: 'tokens-load-more',
        }}
      />

      <FormModal<CreateForm>
        open={creating}
        title={t('createTitle')}
        onClose={() => setCreating(false)}
        okText={t('createSubmit')}
        okTestId="token-create-submit"
        form={form}
        onSubmit={onCreate}
      >
        <Form.Item
          label={t('name')}
          name="name"
          rules={[{ required: true, whitespace: true, message: t('nameRequired') }, { max: 100 }]}
        >
          <Input placeholder={t('namePlaceholder')} maxLength={100} data-testid="token-name" autoFocus />
        </Form.Item>
        <Form.Item label={t('expiry')} name="expiresInDays" extra={t('expiryHelp')}>
          <InputNumber
            min={1}
            max={3650}
            precision={0}
            style={{ width: '100%' }}
            data-testid="token-expiry"
          />
        </Form.Item>
      </FormModal>

      <TokenSecretModal secret={secret} onClose={() => setSecret(undefined)} />
    </Card>
  );
}
