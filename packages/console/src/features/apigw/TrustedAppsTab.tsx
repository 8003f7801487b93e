// Trusted apps (/apigw?tab=trusted; admins, operators, auditors): apps allowed to name any active
// user in their calls without the user's token. Admins and operators add and remove them; adding
// warns what it means.
import { PlusOutlined } from '@ant-design/icons';
import type { ApigwTrustedApp } from '@berth/sdk';
import { Alert, Button, Form, Input, Table, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { TRUST_WRITERS } from './apigw-view.ts';

export function TrustedAppsTab() {
  const api = useApi();
  const user = useUser();
  const t = useMessages(apigwMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [adding, setAdding] = useState(0);
  const [form] = Form.useForm<{ app: string }>();
  const trusted = useAsync(async () => (await api.listApigwTrustedApps()).items, [api]);
  const canWrite = TRUST_WRITERS.includes(user.role);

  const onRemove = async (a: ApigwTrustedApp) => {
    const ok = await confirm({
      title: t('untrustTitle', { app: a.app }),
      content: t('untrustText'),
      okText: t('untrust'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.untrustApigwApp(a.app);
      trusted.setData((trusted.data ?? []).filter((x) => x.app !== a.app));
      feedback.success(t('untrusted', { app: a.app }));
    } catch (err) {
      feedback.error(err);
    }
  };

  return (
    <>
      <Alert type="warning" showIcon title={t('trustIntro')} style={{ marginBottom: 16 }} />
      {canWrite ? (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => setAdding((n) => n + 1)}
          data-testid="apigw-trust-add"
          style={{ marginBottom: 16 }}
        >
          {t('trust')}
        </Button>
      ) : null}
      {trusted.error ? (
        <ErrorAlert error={trusted.error} onRetry={trusted.reload} />
      ) : (
        <Table<ApigwTrustedApp>
          data-testid="apigw-trusted-table"
          rowKey="app"
          loading={trusted.loading}
          dataSource={trusted.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: trusted.loading ? ' ' : <EmptyState description={t('trustedEmpty')} /> }}
          columns={[
            {
              title: t('colApp'),
              key: 'app',
              render: (_, a) => <Typography.Text code>{a.app}</Typography.Text>,
            },
            { title: t('colTrustedBy'), dataIndex: 'trustedBy' },
            { title: t('colCreated'), key: 'created', render: (_, a) => format.dateTime(a.createdAt) },
            ...(canWrite
              ? [
                  {
                    title: t('colActions'),
                    key: 'actions',
                    render: (_: unknown, a: ApigwTrustedApp) => (
                      <Button
                        size="small"
                        danger
                        onClick={() => void onRemove(a)}
                        data-testid={`apigw-untrust-${a.app}`}
                      >
                        {t('untrust')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      <FormModal<{ app: string }>
        key={adding}
        open={adding > 0}
        title={t('trustTitle')}
        okText={t('trust')}
        okTestId="apigw-trust-ok"
        form={form}
        name="apigw-trust"
        intro={<Typography.Paragraph type="secondary">{t('trustIntro')}</Typography.Paragraph>}
        onClose={() => setAdding(0)}
        onSubmit={async (v) => {
          const { trustedApp } = await api.trustApigwApp(v.app.trim());
          setAdding(0);
          trusted.reload();
          feedback.success(t('trusted', { app: trustedApp.app }));
        }}
      >
        <Form.Item label={t('colApp')} name="app" rules={[{ required: true, message: t('required') }]}>
          <Input data-testid="apigw-trust-app" autoComplete="off" />
        </Form.Item>
      </FormModal>
    </>
  );
}
