// One deploy request (/requests/:id): what it deploys where, its note and window, who filed and who
// decided it, and the decisions the user is offered (request-actions.ts): approve with an optional
// reason, refuse with a required one, withdraw their own. The API's answer replaces the page's copy;
// its refusals are shown with their codes.
import type { Deploy } from '@berth/sdk';
import { Button, Card, Descriptions, Flex, Form, Input, Spin, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { appPath, deployPath } from '../apps/app-paths.ts';
import { DeployStatusTag } from '../apps/detail/deploy-labels.tsx';
import { envMessages } from '../apps/env-messages.ts';
import { requestsMessages } from './messages.ts';
import { requestActions } from './request-actions.ts';
import { useRequestKind, useRequestWindow } from './request-labels.ts';

/** Statuses of a request that never ran (no deploy log to open). */
const NEVER_RAN = new Set<Deploy['status']>(['requested', 'approved', 'refused', 'withdrawn']);
const TEXT_MAX = 2000;

interface ReasonForm {
  reason?: string;
}

export default function RequestPage() {
  const id = useParams()['id'] ?? '';
  const api = useApi();
  const t = useMessages(requestsMessages);
  const request = useAsync(async () => {
    const { deploy } = await api.getRequest(id);
    // What the user may do in the request's environment decides which buttons show.
    const perms = await api.appPermissions(deploy.app).catch(() => undefined);
    return { deploy, actions: perms?.envs[deploy.env].actions };
  }, [api, id]);

  return (
    <>
      <PageHeader title={t('detailTitle', { id })} subtitle={<Link to="/requests">{t('back')}</Link>} />
      {request.error ? (
        <ErrorAlert error={request.error} onRetry={request.reload} />
      ) : !request.data ? (
        <Spin style={{ display: 'block', margin: '48px auto' }} />
      ) : (
        <RequestView
          deploy={request.data.deploy}
          actions={request.data.actions}
          onChanged={(deploy) => request.setData({ deploy, actions: request.data?.actions })}
        />
      )}
    </>
  );
}

function RequestView({
  deploy: d,
  actions,
  onChanged,
}: {
  deploy: Deploy;
  actions: Parameters<typeof requestActions>[2];
  onChanged(deploy: Deploy): void;
}) {
  const api = useApi();
  const user = useUser();
  const t = useMessages(requestsMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const kind = useRequestKind();
  const windowOf = useRequestWindow();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const [approveForm] = Form.useForm<ReasonForm>();
  const [refuseForm] = Form.useForm<ReasonForm>();
  const [open, setOpen] = useState<'approve' | 'refuse' | undefined>(undefined);
  const [withdrawing, setWithdrawing] = useState(false);
  const offered = requestActions(d, user.username, actions);
  const params = { kind: kind(d), env: e(d.env), app: d.app, user: d.createdBy };

  const withdraw = async () => {
    const ok = await confirm({
      title: t('withdrawTitle'),
      content: t('withdrawText', params),
      okText: t('withdrawOk'),
      danger: true,
    });
    if (!ok) return;
    setWithdrawing(true);
    try {
      onChanged((await api.withdrawRequest(d.id)).deploy);
      feedback.success(t('withdrawn'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setWithdrawing(false);
    }
  };

  const info = d.request ?? {};
  const items = [
    { key: 'kind', label: t('kind'), children: kind(d) },
    {
      key: 'app',
      label: t('app'),
      children: <Link to={appPath(d.app, d.env)}>{d.app}</Link>,
    },
    { key: 'env', label: t('env'), children: e(d.env) },
    {
      key: 'status',
      label: t('status'),
      children: <DeployStatusTag status={d.status} testId="request-status" />,
    },
    { key: 'note', label: t('note'), children: info.note ?? '—' },
    { key: 'window', label: t('window'), children: windowOf(d) },
    {
      key: 'requester',
      label: t('requester'),
      children: `${d.createdBy} · ${format.dateTime(d.createdAt)}`,
    },
    ...(info.decidedBy
      ? [
          {
            key: 'decided',
            label: t('decidedBy'),
            children: `${info.decidedBy}${info.decidedAt ? ` · ${format.dateTime(info.decidedAt)}` : ''}`,
          },
        ]
      : []),
    ...(info.reason ? [{ key: 'reason', label: t('reason'), children: info.reason }] : []),
    ...(NEVER_RAN.has(d.status)
      ? []
      : [
          {
            key: 'deploy',
            label: t('outcome'),
            children: (
              <Link to={deployPath(d.app, d.env, d.id)} data-testid="request-open-deploy">
                {t('openDeploy')}
              </Link>
            ),
          },
        ]),
  ];

  return (
    <Card size="small" data-testid="request-view">
      <Descriptions column={1} size="small" items={items} />
      {d.error ? (
        <div style={{ marginTop: 12 }}>
          <ErrorAlert error={d.error} />
        </div>
      ) : null}
      <Flex gap={8} wrap align="center" style={{ marginTop: 16 }}>
        {offered.approve ? (
          <Button type="primary" onClick={() => setOpen('approve')} data-testid="request-approve">
            {t('approve')}
          </Button>
        ) : null}
        {offered.refuse ? (
          <Button danger onClick={() => setOpen('refuse')} data-testid="request-refuse">
            {t('refuse')}
          </Button>
        ) : null}
        {offered.withdraw ? (
          <Button onClick={() => void withdraw()} loading={withdrawing} data-testid="request-withdraw">
            {t('withdraw')}
          </Button>
        ) : null}
        {d.status === 'requested' ? (
          <Typography.Text type="secondary">
            {d.createdBy === user.username ? t('nobodyElse') : t('waiting')}
          </Typography.Text>
        ) : null}
      </Flex>
      <FormModal<ReasonForm>
        open={open === 'approve'}
        title={t('approveTitle')}
        intro={<Typography.Paragraph>{t('approveText', params)}</Typography.Paragraph>}
        okText={t('approveOk')}
        okTestId="request-approve-ok"
        form={approveForm}
        name="approve"
        onClose={() => setOpen(undefined)}
        onSubmit={async (values) => {
          const reason = values.reason?.trim();
          onChanged((await api.approveRequest(d.id, reason || undefined)).deploy);
          setOpen(undefined);
          feedback.success(t('approved'));
        }}
      >
        <Form.Item name="reason" label={t('approveReason')}>
          <Input.TextArea rows={2} maxLength={TEXT_MAX} data-testid="request-approve-reason" />
        </Form.Item>
      </FormModal>
      <FormModal<ReasonForm>
        open={open === 'refuse'}
        title={t('refuseTitle')}
        intro={<Typography.Paragraph>{t('refuseText', params)}</Typography.Paragraph>}
        okText={t('refuseOk')}
        okTestId="request-refuse-ok"
        danger
        form={refuseForm}
        name="refuse"
        onClose={() => setOpen(undefined)}
        onSubmit={async (values) => {
          onChanged((await api.refuseRequest(d.id, (values.reason ?? '').trim())).deploy);
          setOpen(undefined);
          feedback.success(t('refused'));
        }}
      >
        <Form.Item
          name="reason"
          label={t('refuseReason')}
          rules={[{ required: true, whitespace: true, message: t('refuseReasonRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={TEXT_MAX} data-testid="request-refuse-reason" />
        </Form.Item>
      </FormModal>
    </Card>
  );
}
