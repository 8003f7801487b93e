// Custom domains and certificates (/domains): the domains of the apps the user sees, each with the
// certificate it is served with and its expiry (amber within BERTH_CERT_WARN_DAYS, red once
// expired); add and remove a domain (the API decides: `domain.write`); for admins, operators and
// auditors the certificates, which admins and operators upload (PEM, checked by the server) and
// remove.
import { CloudUploadOutlined, PlusOutlined } from '@ant-design/icons';
import type { Certificate, Domain, EnvName } from '@berth/sdk';
import { Button, Card, Checkbox, Flex, Form, Input, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { CERT_READERS, CERT_WRITERS, DOMAIN_WRITERS, expiryShown, hstsValue } from './domain-view.ts';
import { domainsMessages } from './domains-messages.ts';

interface DomainForm {
  host: string;
  app: string;
  env: EnvName;
  httpsRedirect: boolean;
  hsts: string;
  acme: boolean;
}

interface UploadForm {
  cert: string;
  key: string;
}

function Expiry({ c }: { c: { expiresInDays: number; warning?: 'expiring' | 'expired' } }) {
  const t = useMessages(domainsMessages);
  const shown = expiryShown(c);
  return <ToneTag tone={shown.tone}>{t(shown.key, { days: String(shown.days) })}</ToneTag>;
}

function AddDomainModal({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose(): void;
  onAdded(d: Domain): void;
}) {
  const api = useApi();
  const t = useMessages(domainsMessages);
  const [form] = Form.useForm<DomainForm>();
  return (
    <FormModal<DomainForm>
      open={open}
      title={t('addTitle')}
      okText={t('add')}
      okTestId="domain-add-ok"
      form={form}
      name="domain"
      initialValues={{ env: 'prod', httpsRedirect: false, hsts: '0', acme: false }}
      onClose={onClose}
      onSubmit={async (v) => {
        const { domain } = await api.addDomain({
          host: v.host.trim(),
          app: v.app.trim(),
          env: v.env,
          httpsRedirect: v.httpsRedirect,
          hstsMaxAge: hstsValue(v.hsts),
          ...(v.acme ? { certificateSource: 'acme' as const } : {}),
        });
        onAdded(domain);
      }}
    >
      <Form.Item
        label={t('fieldHost')}
        name="host"
        extra={t('fieldHostHelp')}
        rules={[{ required: true, message: t('required') }]}
      >
        <Input data-testid="domain-host" autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('fieldApp')} name="app" rules={[{ required: true, message: t('required') }]}>
        <Input data-testid="domain-app" autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('fieldEnv')} name="env">
        <Select
          data-testid="domain-env"
          options={[
            { value: 'prod', label: 'prod' },
            { value: 'stag', label: 'stag' },
          ]}
        />
      </Form.Item>
      <Form.Item name="httpsRedirect" valuePropName="checked">
        <Checkbox data-testid="domain-redirect">{t('fieldRedirect')}</Checkbox>
      </Form.Item>
      <Form.Item
        label={t('fieldHsts')}
        name="hsts"
        rules={[
          {
            validator: async (_, value) =>
              Number.isNaN(hstsValue(value)) ? Promise.reject(new Error(t('hstsInvalid'))) : undefined,
          },
        ]}
      >
        <Input data-testid="domain-hsts" inputMode="numeric" />
      </Form.Item>
      <Form.Item name="acme" valuePropName="checked">
        <Checkbox data-testid="domain-acme">{t('fieldAcme')}</Checkbox>
      </Form.Item>
    </FormModal>
  );
}

function UploadModal({
  open,
  onClose,
  onUploaded,
}: {
  open: boolean;
  onClose(): void;
  onUploaded(c: Certificate): void;
}) {
  const api = useApi();
  const t = useMessages(domainsMessages);
  const [form] = Form.useForm<UploadForm>();
  return (
    <FormModal<UploadForm>
      open={open}
      title={t('uploadTitle')}
      okText={t('upload')}
      okTestId="cert-upload-ok"
      form={form}
      name="certificate"
      width={720}
      intro={<Typography.Paragraph type="secondary">{t('uploadIntro')}</Typography.Paragraph>}
      onClose={onClose}
      onSubmit={async (v) => {
        const { certificate } = await api.uploadCertificate({ cert: v.cert, key: v.key });
        onUploaded(certificate);
      }}
    >
      <Form.Item label={t('fieldCert')} name="cert" rules={[{ required: true, message: t('required') }]}>
        <Input.TextArea
          data-testid="cert-pem"
          rows={6}
          spellCheck={false}
          style={{ fontFamily: 'monospace' }}
        />
      </Form.Item>
      <Form.Item label={t('fieldKey')} name="key" rules={[{ required: true, message: t('required') }]}>
        <Input.TextArea
          data-testid="cert-key"
          rows={4}
          spellCheck={false}
          style={{ fontFamily: 'monospace' }}
        />
      </Form.Item>
    </FormModal>
  );
}

function Certificates({ canWrite, reloadDomains }: { canWrite: boolean; reloadDomains(): void }) {
  const api = useApi();
  const t = useMessages(domainsMessages);
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [uploading, setUploading] = useState(0);
  const certs = useAsync(async () => (await api.listCertificates()).items, [api]);

  const onRemove = async (c: Certificate) => {
    const names = c.names.join(', ');
    const ok = await confirm({
      title: t('removeCertTitle', { names }),
      content: t('removeCertText'),
      okText: t('remove'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeCertificate(c.id);
      certs.setData((certs.data ?? []).filter((x) => x.id !== c.id));
      reloadDomains();
      feedback.success(t('certRemoved'));
    } catch (err) {
      feedback.error(err);
    }
  };

  const uploadButton = canWrite ? (
    <Button
      icon={<CloudUploadOutlined />}
      onClick={() => setUploading((n) => n + 1)}
      data-testid="cert-upload"
    >
      {t('upload')}
    </Button>
  ) : null;

  return (
    <Card title={t('certificates')} extra={uploadButton} style={{ marginTop: 16 }}>
      {certs.error ? (
        <ErrorAlert error={certs.error} onRetry={certs.reload} />
      ) : (
        <Table<Certificate>
          data-testid="certs-table"
          rowKey="id"
          loading={certs.loading}
          dataSource={certs.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: certs.loading ? ' ' : <EmptyState description={t('certsEmpty')} /> }}
          columns={[
            {
              title: t('colNames'),
              key: 'names',
              render: (_, c) => <Typography.Text code>{c.names.join(', ')}</Typography.Text>,
            },
            {
              title: t('colSource'),
              key: 'source',
              render: (_, c) => (c.source === 'acme' ? t('sourceAcme') : t('sourceUpload')),
            },
            { title: t('colExpiry'), key: 'expiry', render: (_, c) => <Expiry c={c} /> },
            { title: t('colDomains'), key: 'domains', render: (_, c) => c.domains.join(', ') || '—' },
            ...(canWrite
              ? [
                  {
                    title: t('colActions'),
                    key: 'actions',
                    render: (_: unknown, c: Certificate) => (
                      <Button
                        size="small"
                        danger
                        onClick={() => void onRemove(c)}
                        data-testid={`cert-remove-${c.id}`}
                      >
                        {t('remove')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      <UploadModal
        key={uploading}
        open={uploading > 0}
        onClose={() => setUploading(0)}
        onUploaded={(c) => {
          setUploading(0);
          certs.reload();
          reloadDomains();
          feedback.success(t('uploaded', { names: c.names.join(', ') }));
        }}
      />
    </Card>
  );
}

export default function DomainsPage() {
  const api = useApi();
  const user = useUser();
  const t = useMessages(domainsMessages);
  const feedback = useFeedback();
  const confirm = useConfirm();
  const [adding, setAdding] = useState(0);
  const domains = useAsync(async () => (await api.listDomains()).items, [api]);
  const canBind = DOMAIN_WRITERS.includes(user.role);

  const onRemove = async (d: Domain) => {
    const ok = await confirm({
      title: t('removeTitle', { host: d.host }),
      content: t('removeText'),
      okText: t('remove'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeDomain(d.host);
      domains.setData((domains.data ?? []).filter((x) => x.host !== d.host));
      feedback.success(t('removed', { host: d.host }));
    } catch (err) {
      feedback.error(err);
    }
  };

  const addButton = canBind ? (
    <Button
      type="primary"
      icon={<PlusOutlined />}
      onClick={() => setAdding((n) => n + 1)}
      data-testid="domain-add"
    >
      {t('add')}
    </Button>
  ) : null;

  const https = (d: Domain) => (
    <Flex gap={4} wrap>
      {d.certificate ? (
        <ToneTag tone="green">{t('httpsOn')}</ToneTag>
      ) : (
        <ToneTag tone="gray">{t('httpOnly')}</ToneTag>
      )}
      {d.certificate && d.httpsRedirect ? <ToneTag tone="blue">{t('httpsRedirect')}</ToneTag> : null}
      {d.hstsMaxAge > 0 ? (
        <ToneTag tone="purple">{t('hsts', { seconds: String(d.hstsMaxAge) })}</ToneTag>
      ) : null}
      {d.acme?.status === 'pending' ? <ToneTag tone="amber">{t('acmePending')}</ToneTag> : null}
      {d.acme?.status === 'failed' ? <ToneTag tone="red">{t('acmeFailed')}</ToneTag> : null}
    </Flex>
  );

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} extra={addButton} />
      {domains.error ? (
        <ErrorAlert error={domains.error} onRetry={domains.reload} />
      ) : (
        <Table<Domain>
          data-testid="domains-table"
          rowKey="host"
          loading={domains.loading}
          dataSource={domains.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          onRow={(d) => ({ 'data-testid': `domain-row-${d.host}` }) as React.HTMLAttributes<HTMLElement>}
          locale={{ emptyText: domains.loading ? ' ' : <EmptyState description={t('empty')} /> }}
          columns={[
            { title: t('colHost'), dataIndex: 'host', render: (host: string) => <strong>{host}</strong> },
            { title: t('colApp'), key: 'app', render: (_, d) => `${d.app} (${d.env})` },
            { title: t('colHttps'), key: 'https', render: (_, d) => https(d) },
            {
              title: t('colCertificate'),
              key: 'certificate',
              render: (_, d) => (d.certificate ? <Expiry c={d.certificate} /> : '—'),
            },
            ...(canBind
              ? [
                  {
                    title: t('colActions'),
                    key: 'actions',
                    render: (_: unknown, d: Domain) => (
                      <Button
                        size="small"
                        danger
                        onClick={() => void onRemove(d)}
                        data-testid={`domain-remove-${d.host}`}
                      >
                        {t('remove')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {CERT_READERS.includes(user.role) ? (
        <Certificates canWrite={CERT_WRITERS.includes(user.role)} reloadDomains={domains.reload} />
      ) : null}
      <AddDomainModal
        key={adding}
        open={adding > 0}
        onClose={() => setAdding(0)}
        onAdded={(d) => {
          setAdding(0);
          domains.reload();
          feedback.success(t('added', { host: d.host }));
        }}
      />
    </>
  );
}
