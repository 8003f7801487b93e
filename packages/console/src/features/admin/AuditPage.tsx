// The audit log (/admin/audit, admins and auditors): newest first, paged ("load more"), filtered by
// actor, action prefix, target type and id, and time range; the filters are the URL's query, so a
// filtered view is a link. A row opens to its details as JSON.
import type { AuditEvent } from '@berth/sdk';
import { Button, DatePicker, Flex, Form, Input, Select, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { MONO_BLOCK } from '../../components/mono.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { auditActionMessages, auditMessages, auditTargetMessages } from './audit-messages.ts';
import {
  ACTION_PREFIX_RE,
  type AuditFilters,
  auditFailed,
  auditQuery,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
} from './audit-query.ts';
import { ADMIN_PAGE_ROLES } from './page-roles.ts';

interface FilterForm {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

function toForm(filters: AuditFilters): FilterForm {
  return {
    actor: filters.actor ?? '',
    action: filters.action ?? '',
    targetType: filters.targetType ?? '',
    targetId: filters.targetId ?? '',
    range:
      filters.since !== undefined || filters.until !== undefined
        ? [
            filters.since !== undefined ? dayjs(filters.since) : null,
            filters.until !== undefined ? dayjs(filters.until) : null,
          ]
        : null,
  };
}

function fromForm(values: FilterForm): AuditFilters {
  const filters: AuditFilters = {};
  const text = (v: string | undefined) => v?.trim() || undefined;
  const actor = text(values.actor);
  const action = text(values.action)?.toLowerCase();
  const targetType = text(values.targetType);
  const targetId = text(values.targetId);
  if (actor) filters.actor = actor;
  if (action) filters.action = action;
  if (targetType) filters.targetType = targetType;
  if (targetId) filters.targetId = targetId;
  const [since, until] = values.range ?? [null, null];
  if (since) filters.since = since.valueOf();
  if (until) filters.until = until.valueOf();
  return filters;
}

function AuditLog() {
  const api = useApi();
  const t = useMessages(auditMessages);
  const ta = useMessages(auditActionMessages);
  const tt = useMessages(auditTargetMessages);
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(search)), [search]);
  const [form] = Form.useForm<FilterForm>();

  useEffect(() => {
    form.setFieldsValue(toForm(filters));
  }, [filters, form]);

  const list = useCursorList<AuditEvent>(
    async (cursor) => {
      const page = await api.listAudit(auditQuery(filters, cursor));
      return { items: page.events, nextCursor: page.nextCursor };
    },
    [api, filters],
  );

  const actionLabel = (action: string) =>
    Object.hasOwn(auditActionMessages.en, action)
      ? ta(action as keyof typeof auditActionMessages.en)
      : action;
  const targetLabel = (type: string) =>
    Object.hasOwn(auditTargetMessages.en, type) ? tt(type as keyof typeof auditTargetMessages.en) : type;
  const actorLabel = (name: string) =>
    name === 'system' ? t('system') : name === 'anonymous' ? t('anonymous') : name;
  const filtered = hasFilters(filters);

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Form<FilterForm>
        form={form}
        layout="vertical"
        onFinish={(values) => setParams(filtersToSearch(fromForm(values)))}
        style={{ marginBottom: 8 }}
        data-testid="audit-filters"
      >
        <Flex gap={12} wrap align="flex-end">
          <Form.Item label={t('actor')} name="actor" style={{ minWidth: 180, flex: '1 1 180px' }}>
            <Input placeholder={t('actorPlaceholder')} allowClear data-testid="audit-filter-actor" />
          </Form.Item>
          <Form.Item
            label={t('action')}
            name="action"
            style={{ minWidth: 180, flex: '1 1 180px' }}
            rules={[
              {
                validator: (_, value: string | undefined) =>
                  !value?.trim() || ACTION_PREFIX_RE.test(value.trim().toLowerCase())
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('actionInvalid'))),
              },
            ]}
          >
            <Input placeholder={t('actionPlaceholder')} allowClear data-testid="audit-filter-action" />
          </Form.Item>
          <Form.Item label={t('targetType')} name="targetType" style={{ minWidth: 140, flex: '0 1 160px' }}>
            <Select
              data-testid="audit-filter-target-type"
              options={[
                { value: '', label: t('targetTypeAny') },
                ...Object.keys(auditTargetMessages.en).map((type) => ({
                  value: type,
                  label: targetLabel(type),
                })),
              ]}
            />
          </Form.Item>
          <Form.Item label={t('targetId')} name="targetId" style={{ minWidth: 180, flex: '1 1 180px' }}>
            <Input placeholder={t('targetIdPlaceholder')} allowClear data-testid="audit-filter-target-id" />
          </Form.Item>
          <Form.Item label={t('timeRange')} name="range" style={{ minWidth: 280, flex: '1 1 320px' }}>
            <DatePicker.RangePicker
              showTime
              allowEmpty={[true, true]}
              style={{ width: '100%' }}
              data-testid="audit-filter-range"
            />
          </Form.Item>
          <Form.Item>
            <Flex gap={8} wrap>
              <Button type="primary" htmlType="submit" data-testid="audit-apply">
                {t('apply')}
              </Button>
              <Button
                onClick={() => setParams(new URLSearchParams())}
                disabled={!filtered}
                data-testid="audit-reset"
              >
                {t('reset')}
              </Button>
            </Flex>
          </Form.Item>
        </Flex>
      </Form>
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<AuditEvent>
            data-testid="audit-table"
            rowKey="id"
            size="middle"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{
              emptyText: list.loading ? (
                ' '
              ) : (
                <EmptyState description={filtered ? t('empty') : t('emptyAll')} />
              ),
            }}
            expandable={{
              rowExpandable: (event) => event.detail !== undefined,
              expandedRowRender: (event) => (
                <pre style={{ ...MONO_BLOCK, fontSize: 12 }}>{JSON.stringify(event.detail, null, 2)}</pre>
              ),
            }}
            columns={[
              {
                title: t('colTime'),
                dataIndex: 'at',
                render: (at: number) => (
                  <Flex vertical>
                    <span>{format.dateTime(at)}</span>
                    <Typography.Text type="secondary">{format.relative(at)}</Typography.Text>
                  </Flex>
                ),
              },
              {
                title: t('colActor'),
                dataIndex: 'actorName',
                render: (name: string) =>
                  name === 'system' || name === 'anonymous' ? (
                    <Typography.Text type="secondary">{actorLabel(name)}</Typography.Text>
                  ) : (
                    <strong>{name}</strong>
                  ),
              },
              {
                title: t('colAction'),
                dataIndex: 'action',
                render: (action: string) => (
                  <Flex vertical>
                    <span>{actionLabel(action)}</span>
                    <Typography.Text type="secondary" code>
                      {action}
                    </Typography.Text>
                  </Flex>
                ),
              },
              {
                title: t('colTarget'),
                key: 'target',
                render: (_, event) => (
                  <span>
                    {targetLabel(event.targetType)} <Typography.Text code>{event.targetId}</Typography.Text>
                  </span>
                ),
              },
              {
                title: t('colClient'),
                responsive: ['md'],
                dataIndex: 'ip',
                render: (ip: string | undefined) => ip ?? '—',
              },
              {
                title: t('colOutcome'),
                key: 'outcome',
                render: (_, event) =>
                  auditFailed(event) ? (
                    <ToneTag tone="red">{t('outcomeFailed')}</ToneTag>
                  ) : (
                    <ToneTag tone="green">{t('outcomeOk')}</ToneTag>
                  ),
              },
              {
                title: t('colDetails'),
                responsive: ['lg'],
                key: 'detail',
                render: (_, event) =>
                  event.detail === undefined ? (
                    <Typography.Text type="secondary">{t('noDetails')}</Typography.Text>
                  ) : (
                    <Typography.Text
                      type="secondary"
                      ellipsis
                      style={{ maxWidth: 280, fontFamily: MONO_BLOCK.fontFamily }}
                    >
                      {JSON.stringify(event.detail)}
                    </Typography.Text>
                  ),
              },
            ]}
          />
          <LoadMore list={list} testId="audit-load-more" />
        </>
      )}
    </>
  );
}

export default function AuditPage() {
  return (
    <RequireRole roles={ADMIN_PAGE_ROLES.audit}>
      <AuditLog />
    </RequireRole>
  );
}
