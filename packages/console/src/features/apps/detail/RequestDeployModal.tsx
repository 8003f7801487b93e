// The form of a deploy request: a note for the approvers and an optional window (start no earlier
// than, give up after: request-window.ts). `onFile` files the request; the page then opens it.
import type { Deploy } from '@berth/sdk';
import { DatePicker, Form, Input, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { FormModal } from '../../../components/FormModal.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { requestFormMessages } from './request-messages.ts';
import { type Picked, requestWindow } from './request-window.ts';

const NOTE_MAX = 2000;

interface RequestForm {
  note?: string;
  start?: Picked | null;
  end?: Picked | null;
}

export interface RequestFields {
  note?: string;
  notBefore?: number;
  notAfter?: number;
}

export function RequestDeployModal({
  open,
  title,
  intro,
  onClose,
  onFile,
}: {
  open: boolean;
  title: ReactNode;
  intro: ReactNode;
  onClose(): void;
  onFile(fields: RequestFields): Promise<Deploy>;
}) {
  const t = useMessages(requestFormMessages);
  const feedback = useFeedback();
  const navigate = useNavigate();
  const [form] = Form.useForm<RequestForm>();

  const submit = async (values: RequestForm) => {
    const window = requestWindow(values, Date.now());
    if (!window.ok) {
      form.setFields([{ name: 'end', errors: [t(window.problem)] }]);
      return;
    }
    const note = values.note?.trim();
    const fields: RequestFields = {};
    if (note) fields.note = note;
    if (window.notBefore !== undefined) fields.notBefore = window.notBefore;
    if (window.notAfter !== undefined) fields.notAfter = window.notAfter;
    const deploy = await onFile(fields);
    onClose();
    feedback.success(t('filed'));
    navigate(`/requests/${encodeURIComponent(deploy.id)}`);
  };

  return (
    <FormModal<RequestForm>
      open={open}
      title={title}
      intro={<Typography.Paragraph>{intro}</Typography.Paragraph>}
      okText={t('file')}
      okTestId="request-file-ok"
      form={form}
      name="deploy-request"
      onClose={onClose}
      onSubmit={submit}
    >
      <Form.Item name="note" label={t('note')}>
        <Input.TextArea
          rows={3}
          maxLength={NOTE_MAX}
          placeholder={t('notePlaceholder')}
          data-testid="request-note"
        />
      </Form.Item>
      <Form.Item name="start" label={t('start')} extra={t('startHelp')}>
        <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" data-testid="request-start" />
      </Form.Item>
      <Form.Item name="end" label={t('end')} extra={t('endHelp')}>
        <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" data-testid="request-end" />
      </Form.Item>
    </FormModal>
  );
}
