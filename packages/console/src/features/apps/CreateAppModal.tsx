// The form that creates an app. A refused code (taken, reserved, invalid) is shown under the code
// field; any other failure above the buttons, with its code.
import type { CreateAppResponse } from '@berth/sdk';
import { Form, Input, Modal } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { describeError, errorCode } from '../../api/errors.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { common } from '../../components/messages.ts';
import { useSubmit } from '../../components/use-submit.ts';
import { useLocale, useMessages } from '../../i18n/I18nProvider.tsx';
import { APP_CODE_RULE, APP_DESCRIPTION_MAX, APP_NAME_MAX } from './app-summary.ts';
import { appsMessages } from './apps-messages.ts';

const CODE_ERRORS = new Set(['APP_CODE_TAKEN', 'APP_CODE_RESERVED']);

interface Values {
  code: string;
  name: string;
  description?: string;
}

export function CreateAppModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(result: CreateAppResponse): void;
}) {
  const api = useApi();
  const t = useMessages(appsMessages);
  const c = useMessages(common);
  const { locale } = useLocale();
  const [form] = Form.useForm<Values>();
  const submission = useSubmit();

  const submit = (values: Values) =>
    submission.run(
      async () => {
        const description = values.description?.trim();
        const result = await api.createApp({
          code: values.code,
          name: values.name.trim(),
          ...(description ? { description } : {}),
        });
        form.resetFields();
        onCreated(result);
      },
      (err) => {
        // A code that is taken or reserved is the code field's problem: shown there.
        const code = errorCode(err);
        if (!code || !CODE_ERRORS.has(code)) return undefined;
        form.setFields([{ name: 'code', errors: [`${describeError(err, locale).message} (${code})`] }]);
        return true;
      },
    );

  return (
    <Modal
      open={open}
      title={t('createTitle')}
      okText={c('create')}
      cancelText={c('cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={submission.busy}
      okButtonProps={{ ...({ 'data-testid': 'app-create-submit' } as object) }}
      destroyOnHidden
      forceRender
    >
      <Form<Values> form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark>
        <Form.Item
          name="code"
          label={t('code')}
          extra={t('codeHelp')}
          rules={[
            { required: true, message: t('codeRequired') },
            { pattern: APP_CODE_RULE, message: t('codeInvalid') },
          ]}
        >
          <Input
            autoFocus
            autoComplete="off"
            spellCheck={false}
            maxLength={30}
            data-testid="app-create-code"
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('name')}
          extra={t('nameHelp')}
          rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
        >
          <Input maxLength={APP_NAME_MAX} data-testid="app-create-name" />
        </Form.Item>
        <Form.Item name="description" label={t('description')} extra={t('descriptionHelp')}>
          <Input.TextArea rows={3} maxLength={APP_DESCRIPTION_MAX} data-testid="app-create-description" />
        </Form.Item>
        {submission.error ? <ErrorAlert error={submission.error} /> : null}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
