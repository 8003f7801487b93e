// The form that asks for permission to call a system: the calling app (picked from the apps the user
// sees, searched by the API: a developer's are the apps they build), the system, one of its
// components that need a grant or every component, an optional last day (UTC, as a grant's) and a
// reason. The API checks everything (and who may ask for the app); its refusal (FORBIDDEN,
// APIGW_REQUEST_PENDING …) is shown in the form with its code.
import type { ApigwPermissionRequest, ApigwSystemSummary } from '@berth/sdk';
import { Form, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { grantExpiry } from './apigw-view.ts';
import { REQUEST_REASON_MAX, requestableComponents } from './request-view.ts';

/** The component field's value for "every component of the system". */
const EVERY = '';

interface RequestForm {
  app: string;
  system: string;
  component: string;
  until?: string;
  reason: string;
}

export function RequestModal({
  open,
  systems,
  initialSystem,
  initialComponent,
  onClose,
  onRequested,
}: {
  open: boolean;
  systems: ApigwSystemSummary[];
  initialSystem: string;
  initialComponent?: string | undefined;
  onClose(): void;
  onRequested(request: ApigwPermissionRequest): void;
}) {
  const api = useApi();
  const t = useMessages(apigwMessages);
  const [form] = Form.useForm<RequestForm>();
  const [search, setSearch] = useState('');
  const system = Form.useWatch('system', form) ?? initialSystem;
  const apps = useAsync(
    async () => (open ? (await api.listApps({ limit: 50, ...(search ? { q: search } : {}) })).apps : []),
    [api, search, open],
  );
  const components = useAsync(
    async () => (system && open ? (await api.listApigwComponents({ system })).items : []),
    [api, system, open],
  );

  return (
    <FormModal<RequestForm>
      open={open}
      title={t('askTitle')}
      intro={<Typography.Paragraph type="secondary">{t('askIntro')}</Typography.Paragraph>}
      okText={t('askPermission')}
      okTestId="apigw-request-ok"
      form={form}
      name="apigw-request"
      initialValues={{ system: initialSystem || undefined, component: initialComponent ?? EVERY }}
      onClose={onClose}
      onSubmit={async (v) => {
        const expiresAt = grantExpiry(v.until);
        const { request } = await api.requestApigwPermission({
          app: v.app,
          system: v.system,
          ...(v.component ? { component: v.component } : {}),
          ...(expiresAt === undefined ? {} : { expiresAt }),
          reason: v.reason.trim(),
        });
        onRequested(request);
      }}
    >
      <Form.Item
        label={t('fieldApp')}
        name="app"
        extra={t('fieldAppHelp')}
        rules={[{ required: true, message: t('required') }]}
      >
        <Select
          data-testid="apigw-request-app"
          showSearch={{ filterOption: false, onSearch: (text) => setSearch(text.trim()) }}
          placeholder={t('fieldAppPick')}
          loading={apps.loading}
          notFoundContent={apps.loading ? null : t('noApps')}
          options={(apps.data ?? []).map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))}
        />
      </Form.Item>
      <Form.Item label={t('colSystem')} name="system" rules={[{ required: true, message: t('required') }]}>
        <Select
          showSearch
          data-testid="apigw-request-system"
          options={systems.map((s) => ({ value: s.name, label: `${s.name} (${s.label})` }))}
          onChange={() => form.setFieldValue('component', EVERY)}
        />
      </Form.Item>
      <Form.Item label={t('colComponent')} name="component">
        <Select
          showSearch
          data-testid="apigw-request-component"
          loading={components.loading}
          options={[
            { value: EVERY, label: t('everyComponent') },
            ...requestableComponents(components.data ?? []).map((c) => ({
              value: c.name,
              label: `${c.name} (${c.label})`,
            })),
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
        <Input type="date" data-testid="apigw-request-until" />
      </Form.Item>
      <Form.Item
        label={t('fieldReason')}
        name="reason"
        extra={t('fieldReasonHelp')}
        rules={[{ required: true, whitespace: true, message: t('required') }]}
      >
        <Input.TextArea
          rows={3}
          maxLength={REQUEST_REASON_MAX}
          showCount
          data-testid="apigw-request-reason"
        />
      </Form.Item>
    </FormModal>
  );
}
