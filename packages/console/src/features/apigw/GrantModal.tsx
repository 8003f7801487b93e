// The form that grants an app calls: the calling app, the system, one of its components or the whole
// system, and an optional last day (UTC). The API checks everything (and who may grant it); its
// refusal is shown in the form with its code.
import type { ApigwGrant, ApigwSystemSummary } from '@berth/sdk';
import { Form, Input, Select } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { grantExpiry } from './apigw-view.ts';

/** The component field's value for "every component of the system". */
const WHOLE = '';

interface GrantForm {
  app: string;
  system: string;
  component: string;
  until?: string;
}

export function GrantModal({
  open,
  systems,
  initialSystem,
  onClose,
  onGranted,
}: {
  open: boolean;
  systems: ApigwSystemSummary[];
  initialSystem: string;
  onClose(): void;
  onGranted(grant: ApigwGrant): void;
}) {
  const api = useApi();
  const t = useMessages(apigwMessages);
  const [form] = Form.useForm<GrantForm>();
  const system = Form.useWatch('system', form) ?? initialSystem;
  const components = useAsync(
    async () => (system && open ? (await api.listApigwComponents({ system })).items : []),
    [api, system, open],
  );

  return (
    <FormModal<GrantForm>
      open={open}
      title={t('grantTitle')}
      okText={t('grant')}
      okTestId="apigw-grant-ok"
      form={form}
      name="apigw-grant"
      initialValues={{ system: initialSystem || undefined, component: WHOLE }}
      onClose={onClose}
      onSubmit={async (v) => {
        const expiresAt = grantExpiry(v.until);
        const { grant } = await api.grantApigwAccess({
          app: v.app.trim(),
          system: v.system,
          ...(v.component ? { component: v.component } : {}),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        onGranted(grant);
      }}
    >
      <Form.Item
        label={t('fieldCaller')}
        name="app"
        extra={t('fieldCallerHelp')}
        rules={[{ required: true, message: t('required') }]}
      >
        <Input data-testid="apigw-grant-app" autoComplete="off" />
      </Form.Item>
      <Form.Item label={t('colSystem')} name="system" rules={[{ required: true, message: t('required') }]}>
        <Select
          showSearch
          data-testid="apigw-grant-system"
          options={systems.map((s) => ({ value: s.name, label: `${s.name} (${s.label})` }))}
          onChange={() => form.setFieldValue('component', WHOLE)}
        />
      </Form.Item>
      <Form.Item label={t('colComponent')} name="component">
        <Select
          showSearch
          data-testid="apigw-grant-component"
          loading={components.loading}
          options={[
            { value: WHOLE, label: t('wholeSystem') },
            ...(components.data ?? []).map((c) => ({ value: c.name, label: `${c.name} (${c.label})` })),
          ]}
        />
      </Form.Item>
      <Form.Item
        label={t('fieldUntil')}
        name="until"
        extra={t('fieldUntilHelp')}
        rules={[
          {
            validator: async (_, value) =>
              Number.isNaN(grantExpiry(value)) ? Promise.reject(new Error(t('untilInvalid'))) : undefined,
          },
        ]}
      >
        <Input type="date" data-testid="apigw-grant-until" />
      </Form.Item>
    </FormModal>
  );
}
