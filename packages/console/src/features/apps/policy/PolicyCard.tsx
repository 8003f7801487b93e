// The settings tab's deploy policy: for each environment the approval switch, the named approvers
// and the roles allowed per action (a checkbox matrix limited to each action's default roles:
// policy-form.ts). Operators and admins (policy.write) edit it; everyone else reads it.
import type { EnvAction, EnvName } from '@berth/sdk';
import { ENV_ACTIONS } from '@berth/sdk/permission-rules';
import { Button, Card, Checkbox, Flex, Select, Skeleton, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { ROLES, useRoleLabel } from '../../../components/roles.ts';
import { useAsync } from '../../../components/use-async.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { bodyOf, draftOf, type PolicyDraft, roleChoices, toggleRole } from './policy-form.ts';
import { policyMessages } from './policy-messages.ts';

const ENVS: readonly EnvName[] = ['stag', 'prod'];
const ACTION_KEY = {
  'config.write': 'actionConfigWrite',
  deploy: 'actionDeploy',
  'deploy.request': 'actionDeployRequest',
  approve: 'actionApprove',
  rollback: 'actionRollback',
  'rollback.emergency': 'actionRollbackEmergency',
  operate: 'actionOperate',
  run: 'actionRun',
} as const satisfies Record<EnvAction, string>;

export function PolicyCard({ code, editable }: { code: string; editable: boolean }) {
  const t = useMessages(policyMessages);
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t('title')}
        </Typography.Title>
      }
      data-testid="policy-card"
    >
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      {editable ? null : <Typography.Paragraph type="secondary">{t('readOnly')}</Typography.Paragraph>}
      <Flex vertical gap={16}>
        {ENVS.map((env) => (
          <EnvPolicyEditor key={env} code={code} env={env} editable={editable} />
        ))}
      </Flex>
    </Card>
  );
}

function EnvPolicyEditor({ code, env, editable }: { code: string; env: EnvName; editable: boolean }) {
  const api = useApi();
  const t = useMessages(policyMessages);
  const e = useMessages(envMessages);
  const roleLabel = useRoleLabel();
  const feedback = useFeedback();
  const policy = useAsync(async () => (await api.getPolicy(code, env)).policy, [api, code, env]);
  const [draft, setDraft] = useState<PolicyDraft | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const envName = e(env);

  const title = (
    <Flex gap={8} align="center" wrap>
      <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
        {envName}
      </Typography.Title>
      {policy.data?.default ? <Tag>{t('defaults')}</Tag> : null}
    </Flex>
  );
  if (policy.error) {
    return (
      <Card type="inner" size="small" title={title}>
        <ErrorAlert error={policy.error} onRetry={policy.reload} />
      </Card>
    );
  }
  if (!policy.data) {
    return (
      <Card type="inner" size="small" title={title}>
        <Skeleton active paragraph={{ rows: 3 }} />
      </Card>
    );
  }
  const current = draft ?? draftOf(policy.data);
  const changed = draft !== undefined;

  const save = async () => {
    setSaving(true);
    try {
      const { policy: next } = await api.setPolicy(code, env, bodyOf(current));
      policy.setData(next);
      setDraft(undefined);
      feedback.success(t('saved', { env: envName }));
    } catch (err) {
      feedback.error(err);
    } finally {
      setSaving(false);
    }
  };

  const rows = ENV_ACTIONS.map((action) => ({ action }));
  return (
    <Card type="inner" size="small" title={title} data-testid={`policy-${env}`}>
      <Flex vertical gap={12}>
        <Flex gap={8} align="center">
          <Switch
            checked={current.approval}
            onChange={(on) => setDraft({ ...current, approval: on })}
            disabled={!editable || saving}
            aria-label={t('approval')}
            data-testid={`policy-${env}-approval`}
          />
          <Typography.Text>{current.approval ? t('approvalOn') : t('approvalOff')}</Typography.Text>
        </Flex>
        <div>
          <Typography.Text strong id={`policy-${env}-approvers-label`}>
            {t('approvers')}
          </Typography.Text>
          {editable ? (
            <Select
              mode="tags"
              value={current.approvers}
              onChange={(names: string[]) => setDraft({ ...current, approvers: names })}
              disabled={saving}
              open={false}
              suffixIcon={null}
              tokenSeparators={[',', ' ']}
              style={{ width: '100%', marginTop: 4 }}
              aria-labelledby={`policy-${env}-approvers-label`}
              data-testid={`policy-${env}-approvers`}
            />
          ) : (
            <div>{current.approvers.length ? current.approvers.join(', ') : t('approversNone')}</div>
          )}
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {t('approversHelp')}
          </Typography.Text>
        </div>
        <Table
          size="small"
          rowKey="action"
          pagination={false}
          scroll={{ x: 'max-content' }}
          aria-label={t('roles')}
          dataSource={rows}
          columns={[
            { key: 'action', title: t('action'), render: (_, row) => t(ACTION_KEY[row.action]) },
            ...ROLES.map((role) => ({
              key: role,
              title: roleLabel(role),
              align: 'center' as const,
              render: (_: unknown, row: { action: EnvAction }) =>
                roleChoices(row.action).includes(role) ? (
                  <Checkbox
                    checked={current.roles[row.action].includes(role)}
                    disabled={!editable || saving}
                    onChange={(ev) => setDraft(toggleRole(current, row.action, role, ev.target.checked))}
                    aria-label={t('roleFor', { action: t(ACTION_KEY[row.action]), role: roleLabel(role) })}
                    data-testid={`policy-${env}-${row.action}-${role}`}
                  />
                ) : (
                  <Typography.Text type="secondary">—</Typography.Text>
                ),
            })),
          ]}
        />
        {editable ? (
          <Flex gap={8}>
            <Button
              type="primary"
              onClick={() => void save()}
              disabled={!changed}
              loading={saving}
              data-testid={`policy-${env}-save`}
            >
              {t('save', { env: envName })}
            </Button>
          </Flex>
        ) : null}
      </Flex>
    </Card>
  );
}
