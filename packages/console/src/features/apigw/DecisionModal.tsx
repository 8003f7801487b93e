// The form of a decision on a permission request: approve (an optional reason; the grant is written),
// refuse (a reason is required) or withdraw (an optional reason). The API's answer is handed back to
// replace the row; its refusal (FORBIDDEN, APIGW_REQUEST_DECIDED …) is shown in the form with its code.
// The parent mounts it afresh for each decision (a new key), so no reason typed before stays behind;
// after a refusal the parent reads its list again, so a request decided meanwhile shows as it is.
import type { ApigwPermissionRequest } from '@berth/sdk';
import { Form, Input, Typography } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { REQUEST_REASON_MAX, requestTarget } from './request-view.ts';

export type DecisionKind = 'approve' | 'refuse' | 'withdraw';

interface DecisionForm {
  reason?: string;
}

const TEXTS = {
  approve: { title: 'approveTitle', text: 'approveText', ok: 'approve' },
  refuse: { title: 'refuseTitle', text: 'refuseText', ok: 'refuse' },
  withdraw: { title: 'withdrawTitle', text: 'withdrawText', ok: 'withdraw' },
} as const;

export function DecisionModal({
  open,
  decision,
  onClose,
  onDecided,
  onFailed,
}: {
  open: boolean;
  decision: { kind: DecisionKind; request: ApigwPermissionRequest } | undefined;
  onClose(): void;
  onDecided(kind: DecisionKind, request: ApigwPermissionRequest): void;
  /** After the API refused the decision (e.g. someone decided first): the list is read again. */
  onFailed(): void;
}) {
  const api = useApi();
  const t = useMessages(apigwMessages);
  const [form] = Form.useForm<DecisionForm>();
  const kind = decision?.kind ?? 'approve';
  const r = decision?.request;
  const params = { app: r?.app ?? '', scope: r ? requestTarget(r) : '' };
  const required = kind === 'refuse';

  return (
    <FormModal<DecisionForm>
      open={open && decision !== undefined}
      title={t(TEXTS[kind].title, params)}
      intro={<Typography.Paragraph>{t(TEXTS[kind].text)}</Typography.Paragraph>}
      okText={t(TEXTS[kind].ok)}
      okTestId="apigw-decision-ok"
      danger={kind !== 'approve'}
      form={form}
      name="apigw-decision"
      onClose={onClose}
      onError={() => {
        onFailed();
        return false;
      }}
      onSubmit={async (values) => {
        if (!r) return;
        const reason = values.reason?.trim() || undefined;
        const answer =
          kind === 'approve'
            ? await api.approveApigwPermissionRequest(r.id, reason)
            : kind === 'refuse'
              ? await api.refuseApigwPermissionRequest(r.id, reason ?? '')
              : await api.withdrawApigwPermissionRequest(r.id, reason);
        onDecided(kind, answer.request);
      }}
    >
      <Form.Item
        name="reason"
        label={required ? t('fieldReason') : t('fieldReasonOptional')}
        rules={required ? [{ required: true, whitespace: true, message: t('refuseReasonRequired') }] : []}
      >
        <Input.TextArea rows={3} maxLength={REQUEST_REASON_MAX} data-testid="apigw-decision-reason" />
      </Form.Item>
    </FormModal>
  );
}
