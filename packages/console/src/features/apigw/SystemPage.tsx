// One system of the API gateway (/apigw/systems/:name, everyone): its fields and docs, a link to its
// OpenAPI document, and its components (path and method, destination, kind, permission level,
// timeout, rate limit, hidden), each with the URL callers call and its docs. Docs are Markdown
// written by app developers: rendered from plain data (MarkdownText), never as HTML. Those who may
// ask for permission (not auditors) are offered it for the system, and for each component that
// needs a grant, in the request form prefilled with it.
import { ExportOutlined, KeyOutlined } from '@ant-design/icons';
import type { ApigwComponent, ApigwSystemSummary } from '@berth/sdk';
import type { BerthClient } from '@berth/sdk/client';
import { Button, Card, Descriptions, Flex, Spin, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { callServer, callUrl, destText, openApiPath, rateLimitText } from './apigw-view.ts';
import { MarkdownText } from './MarkdownText.tsx';
import { RequestModal } from './RequestModal.tsx';
import { REQUEST_FILERS, requestTarget } from './request-view.ts';

/** What the request form opens with: the system, and a component or every component (''). */
interface Asking {
  n: number;
  component: string;
}

/** Read by screen readers, not shown (the expand buttons' column has no visible title). */
const VISUALLY_HIDDEN: React.CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
};

/** Where the system's calls go: its OpenAPI document's server (BERTH_APIGW_URL's), else, for a
 *  document that names none, this origin. */
async function loadCallServer(api: BerthClient, name: string): Promise<string> {
  return callServer(await api.getApigwSystemOpenApi(name), window.location.origin, name);
}

export default function SystemPage() {
  const name = useParams()['name'] ?? '';
  const api = useApi();
  const t = useMessages(apigwMessages);
  const user = useUser();
  const feedback = useFeedback();
  const [asking, setAsking] = useState<Asking>({ n: 0, component: '' });
  const ask = REQUEST_FILERS.includes(user.role)
    ? (component: string) => setAsking((a) => ({ n: a.n + 1, component }))
    : undefined;
  const loaded = useAsync(async () => {
    const [system, server] = await Promise.all([api.getApigwSystem(name), loadCallServer(api, name)]);
    return { ...system, server };
  }, [api, name]);

  return (
    <>
      <PageHeader
        title={t('systemTitle', { name })}
        subtitle={<Link to="/apigw">{t('back')}</Link>}
        extra={
          <Flex gap={16} align="center" wrap>
            <Typography.Link
              href={openApiPath(name)}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="apigw-openapi"
            >
              <ExportOutlined aria-hidden /> {t('openApi')}
            </Typography.Link>
            {ask && loaded.data ? (
              <Button icon={<KeyOutlined />} onClick={() => ask('')} data-testid="apigw-system-ask">
                {t('askPermission')}
              </Button>
            ) : null}
          </Flex>
        }
      />
      {loaded.error ? (
        <ErrorAlert error={loaded.error} onRetry={loaded.reload} />
      ) : !loaded.data ? (
        <Spin style={{ display: 'block', margin: '48px auto' }} />
      ) : (
        <>
          <SystemCard system={loaded.data.system} />
          <ComponentsCard components={loaded.data.components} server={loaded.data.server} ask={ask} />
          <RequestModal
            key={asking.n}
            open={asking.n > 0}
            systems={[loaded.data.system]}
            initialSystem={loaded.data.system.name}
            initialComponent={asking.component}
            onClose={() => setAsking((a) => ({ ...a, n: 0 }))}
            onRequested={(r) => {
              setAsking((a) => ({ ...a, n: 0 }));
              feedback.success(t('asked', { app: r.app, scope: requestTarget(r) }));
            }}
          />
        </>
      )}
    </>
  );
}

function SystemCard({ system }: { system: ApigwSystemSummary }) {
  const t = useMessages(apigwMessages);
  const format = useFormat();
  const grantsLink = `/apigw?tab=grants&system=${encodeURIComponent(system.name)}`;
  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }} translate="no">
          {system.label}
        </h2>
      }
      data-testid="apigw-system"
    >
      <Descriptions column={{ xs: 1, md: 2 }} size="small">
        <Descriptions.Item label={t('colSystem')}>
          <Typography.Text code>{system.name}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('colOwner')}>
          {system.owner ? <Typography.Text code>{system.owner}</Typography.Text> : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('colTimeout')}>
          {system.timeoutMs === undefined ? t('timeoutDefault') : format.duration(system.timeoutMs)}
        </Descriptions.Item>
        <Descriptions.Item label={t('colComponents')}>{format.number(system.components)}</Descriptions.Item>
        <Descriptions.Item label={t('colUpdated')}>
          {system.builtIn
            ? t('builtIn')
            : t('updatedBy', { at: format.dateTime(system.updatedAt), user: system.updatedBy })}
        </Descriptions.Item>
        <Descriptions.Item label={t('tabGrants')}>
          <Link to={grantsLink} data-testid="apigw-system-grants">
            {t('systemGrants')}
          </Link>
        </Descriptions.Item>
      </Descriptions>
      {system.docs ? (
        <>
          <Typography.Title level={3} style={{ fontSize: 15, marginTop: 16 }}>
            {t('docs')}
          </Typography.Title>
          <MarkdownText source={system.docs} testId="apigw-system-docs" />
        </>
      ) : null}
    </Card>
  );
}

function ComponentDetails({
  c,
  server,
  ask,
}: {
  c: ApigwComponent;
  server: string;
  ask: ((component: string) => void) | undefined;
}) {
  const t = useMessages(apigwMessages);
  const url = callUrl(server, c.path);
  return (
    <Flex vertical gap={8} data-testid={`apigw-component-details-${c.name}`}>
      <div>
        <Typography.Text type="secondary">{t('callUrl')}: </Typography.Text>
        <Typography.Text
          code
          copyable={{ text: url }}
          style={{ wordBreak: 'break-all' }}
          data-testid={`apigw-call-url-${c.name}`}
        >
          {url}
        </Typography.Text>
      </div>
      {c.compCodename ? (
        <div>
          <Typography.Text type="secondary">{t('compCodename')}: </Typography.Text>
          <Typography.Text code>{c.compCodename}</Typography.Text>
        </div>
      ) : null}
      {c.docs ? (
        <MarkdownText source={c.docs} testId={`apigw-component-docs-${c.name}`} />
      ) : (
        <Typography.Text type="secondary">{t('noDocs')}</Typography.Text>
      )}
      {ask && c.permLevel !== 'unlimited' ? (
        <div>
          <Button
            size="small"
            icon={<KeyOutlined />}
            onClick={() => ask(c.name)}
            data-testid={`apigw-component-ask-${c.name}`}
          >
            {t('askPermission')}
          </Button>
        </div>
      ) : null}
    </Flex>
  );
}

function ComponentsCard({
  components,
  server,
  ask,
}: {
  components: ApigwComponent[];
  server: string;
  ask: ((component: string) => void) | undefined;
}) {
  const t = useMessages(apigwMessages);
  const format = useFormat();
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('components')}</h2>} style={{ marginTop: 16 }}>
      <Table<ApigwComponent>
        data-testid="apigw-components-table"
        rowKey="name"
        dataSource={components}
        pagination={false}
        scroll={{ x: 'max-content' }}
        expandable={{
          defaultExpandAllRows: true,
          columnTitle: <span style={VISUALLY_HIDDEN}>{t('details')}</span>,
          expandedRowRender: (c) => <ComponentDetails c={c} server={server} ask={ask} />,
        }}
        onRow={(c) =>
          ({ 'data-testid': `apigw-component-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>
        }
        locale={{ emptyText: <EmptyState description={t('componentsEmpty')} /> }}
        columns={[
          {
            title: t('colComponent'),
            key: 'name',
            render: (_, c) => (
              <Flex vertical>
                <strong translate="no">{c.label}</strong>
                <Typography.Text type="secondary">{c.name}</Typography.Text>
              </Flex>
            ),
          },
          {
            title: t('colPath'),
            key: 'path',
            render: (_, c) => (
              <Typography.Text code>
                {c.method} {c.path}
              </Typography.Text>
            ),
          },
          { title: t('colDest'), key: 'dest', render: (_, c) => destText(c, t('destBuiltIn')) },
          {
            title: t('colType'),
            key: 'type',
            render: (_, c) => (c.type === 'operate' ? t('typeOperate') : t('typeQuery')),
          },
          {
            title: t('colPermLevel'),
            key: 'perm',
            render: (_, c) =>
              c.permLevel === 'unlimited' ? (
                <ToneTag tone="green">{t('permUnlimited')}</ToneTag>
              ) : c.permLevel === 'sensitive' ? (
                <ToneTag tone="red">{t('permSensitive')}</ToneTag>
              ) : (
                <ToneTag tone="blue">{t('permNormal')}</ToneTag>
              ),
          },
          {
            title: t('colTimeout'),
            key: 'timeout',
            render: (_, c) => (c.timeoutMs === undefined ? t('timeoutSystem') : format.duration(c.timeoutMs)),
          },
          { title: t('colRateLimit'), key: 'rate', render: (_, c) => rateLimitText(c.rateLimit) },
          {
            title: t('colHidden'),
            key: 'hidden',
            render: (_, c) => (c.hidden ? <ToneTag tone="gray">{t('hidden')}</ToneTag> : '—'),
          },
        ]}
      />
    </Card>
  );
}
