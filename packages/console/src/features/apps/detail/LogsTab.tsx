// The logs tab: an environment's app logs (its instances' stdout and stderr), filtered by process
// type, instance, text and time range. Read once (the last lines of the range), or followed live
// over the API's NDJSON stream, which is closed when the tab goes away or following is switched off.
// At most LOG_LINES_KEPT lines stay in memory; the view keeps to the newest line unless the reader
// scrolled up.
import { SearchOutlined } from '@ant-design/icons';
import type { AppLogLine } from '@berth/sdk';
import { Alert, Button, Flex, Grid, Input, Select, Space, Spin, Switch, Typography, theme } from 'antd';
import { type CSSProperties, memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { splitHighlight } from '../tabs-b/highlight.ts';
import {
  appendLogLines,
  emptyLogBuffer,
  type KeptLogLine,
  LOG_LINES_KEPT,
  type LogBuffer,
} from '../tabs-b/log-buffer.ts';
import { isAtBottom, LOG_WINDOWS, type LogWindow, windowSince } from '../tabs-b/log-window.ts';
import { logsMessages } from '../tabs-b/logs-messages.ts';
import type { AppTabProps } from './tab-props.ts';

/** Lines of a one-time read (the newest of the range). */
const READ_LIMIT = 1000;
/** Lines the live stream starts with before the new ones. */
const FOLLOW_BACKLOG = 200;
/** Streamed lines are added to the view in batches, at most this often. */
const FLUSH_MS = 150;

type Status = 'loading' | 'idle' | 'connecting' | 'following' | 'ended';

const WINDOW_KEY = {
  '10m': 'window10m',
  '1h': 'window1h',
  '1d': 'window1d',
  all: 'windowAll',
} as const satisfies Record<LogWindow, string>;

export default function LogsTab({ app, env }: AppTabProps) {
  const api = useApi();
  const t = useMessages(logsMessages);
  const envName = useMessages(envMessages)(`${env}Short`);
  const { token } = theme.useToken();
  const screens = Grid.useBreakpoint();
  /** On a phone the filters take the full width and a line's text goes under its time and source. */
  const narrow = !screens.md;
  const filterWidth = (width: number): CSSProperties => (narrow ? { width: '100%' } : { width });
  const [processType, setProcessType] = useState<string | undefined>(undefined);
  const [instance, setInstance] = useState<string | undefined>(undefined);
  const [searchInput, setSearchInput] = useState('');
  const [q, setQ] = useState('');
  const [range, setRange] = useState<LogWindow>('1h');
  const [follow, setFollow] = useState(false);
  const [tick, setTick] = useState(0);
  const [buffer, setBuffer] = useState<LogBuffer>(emptyLogBuffer);
  const [status, setStatus] = useState<Status>('loading');
  const [error, setError] = useState<unknown>(undefined);
  const [capped, setCapped] = useState(false);
  const [showJump, setShowJump] = useState(false);
  const viewRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const instances = useAsync(
    async () => (await api.listInstances(app.code, env, { limit: 500 })).instances,
    [api, app.code, env],
  );
  const processTypes = useMemo(
    () => [...new Set((instances.data ?? []).map((i) => i.processType))].sort(),
    [instances.data],
  );
  const instanceIds = useMemo(
    () =>
      (instances.data ?? [])
        .filter((i) => processType === undefined || i.processType === processType)
        .map((i) => i.id)
        .sort(),
    [instances.data, processType],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for the same read again
  useEffect(() => {
    const controller = new AbortController();
    const query = {
      ...(processType ? { process: processType } : {}),
      ...(instance ? { instance } : {}),
      ...(q ? { q } : {}),
      ...(range !== 'all' ? { since: windowSince(range, Date.now()) } : {}),
    };
    setBuffer(emptyLogBuffer());
    setError(undefined);
    setCapped(false);
    stick.current = true;
    setShowJump(false);

    if (!follow) {
      setStatus('loading');
      api.appLogs(app.code, env, { ...query, limit: READ_LIMIT }).then(
        ({ lines }) => {
          if (controller.signal.aborted) return;
          setBuffer(appendLogLines(emptyLogBuffer(), lines));
          setCapped(lines.length >= READ_LIMIT);
          setStatus('idle');
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setError(err);
          setStatus('idle');
        },
      );
      return () => controller.abort();
    }

    setStatus('connecting');
    let pending: AppLogLine[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setBuffer((old) => appendLogLines(old, batch));
    };
    const timer = setInterval(flush, FLUSH_MS);
    (async () => {
      try {
        for await (const line of api.followAppLogs(
          app.code,
          env,
          { ...query, limit: FOLLOW_BACKLOG },
          { signal: controller.signal, onOpen: () => setStatus('following') },
        )) {
          pending.push(line);
        }
        if (controller.signal.aborted) return;
        flush();
        setStatus('ended');
      } catch (err) {
        if (controller.signal.aborted) return;
        flush();
        setError(err);
        setStatus('ended');
      }
    })();
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [api, app.code, env, processType, instance, q, range, follow, tick]);

  // New lines keep the view at the bottom unless the reader scrolled up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the lines change
  useLayoutEffect(() => {
    const view = viewRef.current;
    if (view && stick.current) view.scrollTop = view.scrollHeight;
  }, [buffer]);

  const onScroll = () => {
    const view = viewRef.current;
    if (!view) return;
    stick.current = isAtBottom(view);
    setShowJump(!stick.current);
  };

  const jumpToEnd = () => {
    const view = viewRef.current;
    if (!view) return;
    stick.current = true;
    setShowJump(false);
    view.scrollTop = view.scrollHeight;
  };

  const live = follow && status !== 'ended';
  const switchFollow = (on: boolean) => {
    setFollow(on);
    // Switching on again after the server ended the stream opens a new one.
    if (on) setTick((n) => n + 1);
  };

  const lineStyle = useMemo(
    () => ({
      stderr: { background: token.colorErrorBg, color: token.colorErrorText } as CSSProperties,
      mark: { background: token.colorWarningBg, color: 'inherit', padding: 0 } as CSSProperties,
      muted: { color: token.colorTextTertiary } as CSSProperties,
    }),
    [token],
  );

  return (
    <Flex vertical gap={12}>
      <Flex gap={8} wrap align="center">
        <Select<string>
          allowClear
          aria-label={t('process')}
          placeholder={t('allProcesses')}
          value={processType}
          onChange={(value) => {
            setProcessType(value);
            setInstance(undefined);
          }}
          options={processTypes.map((p) => ({ value: p, label: p }))}
          style={filterWidth(160)}
          data-testid="logs-process"
        />
        <Select<string>
          allowClear
          showSearch
          aria-label={t('instance')}
          placeholder={t('allInstances')}
          value={instance}
          onChange={setInstance}
          options={instanceIds.map((id) => ({ value: id, label: id }))}
          style={filterWidth(220)}
          data-testid="logs-instance"
        />
        <Space.Compact style={filterWidth(240)}>
          <Input
            allowClear
            aria-label={t('search')}
            placeholder={t('searchPlaceholder')}
            value={searchInput}
            onChange={(e) => {
              setSearchInput(e.target.value);
              if (e.target.value === '') setQ('');
            }}
            onPressEnter={() => setQ(searchInput)}
            maxLength={200}
            data-testid="logs-search"
          />
          <Button
            icon={<SearchOutlined />}
            aria-label={t('search')}
            onClick={() => setQ(searchInput)}
            data-testid="logs-search-submit"
          />
        </Space.Compact>
        <Select<LogWindow>
          aria-label={t('window')}
          value={range}
          onChange={setRange}
          options={LOG_WINDOWS.map((w) => ({ value: w, label: t(WINDOW_KEY[w]) }))}
          style={filterWidth(150)}
          data-testid="logs-since"
        />
        <Space size={6}>
          <Switch checked={live} onChange={switchFollow} aria-label={t('follow')} data-testid="logs-follow" />
          <Typography.Text>{t('follow')}</Typography.Text>
        </Space>
        {!follow ? (
          <Button
            onClick={() => {
              setTick((n) => n + 1);
              instances.reload();
            }}
            loading={status === 'loading'}
            data-testid="logs-refresh"
          >
            {t('refresh')}
          </Button>
        ) : null}
      </Flex>

      {instances.error ? <ErrorAlert error={instances.error} onRetry={instances.reload} /> : null}
      {error ? <ErrorAlert error={error} onRetry={() => setTick((n) => n + 1)} /> : null}
      {follow && status === 'ended' && !error ? (
        <Alert type="info" showIcon title={t('streamEnded')} />
      ) : null}

      <Flex gap={12} wrap align="center">
        <Typography.Text type="secondary" data-testid="logs-count">
          {t('linesShown', { count: buffer.lines.length })}
        </Typography.Text>
        {status === 'connecting' ? (
          <Space size={6}>
            <Spin size="small" />
            <Typography.Text type="secondary">{t('connecting')}</Typography.Text>
          </Space>
        ) : null}
        {status === 'following' ? <Typography.Text type="success">{t('following')}</Typography.Text> : null}
        {buffer.dropped > 0 ? (
          <Typography.Text type="warning">
            {t('dropped', { count: buffer.dropped, max: LOG_LINES_KEPT })}
          </Typography.Text>
        ) : null}
        {capped && !follow ? (
          <Typography.Text type="warning">{t('capped', { count: READ_LIMIT })}</Typography.Text>
        ) : null}
      </Flex>

      <div style={{ position: 'relative' }}>
        <div
          ref={viewRef}
          onScroll={onScroll}
          role="log"
          aria-label={t('logOf', { env: envName })}
          aria-live="off"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling region is reached and scrolled with the keyboard
          tabIndex={0}
          data-testid="logs-view"
          style={{
            height: '60vh',
            minHeight: 240,
            overflow: 'auto',
            fontFamily: token.fontFamilyCode,
            fontSize: 12.5,
            lineHeight: 1.55,
            background: token.colorFillQuaternary,
            border: `1px solid ${token.colorBorderSecondary}`,
            borderRadius: token.borderRadius,
            padding: '6px 0',
          }}
        >
          {status === 'loading' ? (
            <Flex justify="center" style={{ padding: 24 }}>
              <Spin />
            </Flex>
          ) : buffer.lines.length === 0 && !error ? (
            <EmptyState description={follow ? t('emptyFollow') : t('empty')} />
          ) : (
            buffer.lines.map((line) => (
              <LogRow key={line.key} line={line} q={q} narrow={narrow} styles={lineStyle} t={t} />
            ))
          )}
        </div>
        {showJump ? (
          <Button
            size="small"
            type="primary"
            onClick={jumpToEnd}
            style={{ position: 'absolute', right: 16, bottom: 12 }}
            data-testid="logs-jump"
          >
            {t('jumpToEnd')}
          </Button>
        ) : null}
      </div>
    </Flex>
  );
}

interface RowProps {
  line: KeptLogLine;
  q: string;
  narrow: boolean;
  styles: { stderr: CSSProperties; mark: CSSProperties; muted: CSSProperties };
  t: (key: 'stderr' | 'stdout') => string;
}

/** One line; memoised, so that appending lines does not render the thousands already shown. */
const LogRow = memo(function LogRow({ line, q, narrow, styles, t }: RowProps) {
  const format = useFormat();
  const err = line.stream === 'stderr';
  const meta = (
    <>
      <span style={{ ...styles.muted, flex: 'none' }} title={format.dateTime(line.at)}>
        {format.time(line.at)}
      </span>
      <span style={{ ...styles.muted, flex: 'none' }}>{line.instance}</span>
      <span style={err ? { flex: 'none', fontWeight: 600 } : { ...styles.muted, flex: 'none' }}>
        {err ? t('stderr') : t('stdout')}
      </span>
    </>
  );
  const text = (
    <span style={{ minWidth: 0, flex: '1 1 auto' }}>
      {splitHighlight(line.line, q).map((part, i) =>
        part.match ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed string, in order
          <mark key={i} style={styles.mark}>
            {part.text}
          </mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed string, in order
          <span key={i}>{part.text}</span>
        ),
      )}
    </span>
  );
  return (
    <div
      data-stream={line.stream}
      style={{
        display: 'flex',
        flexWrap: narrow ? 'wrap' : 'nowrap',
        columnGap: 10,
        padding: narrow ? '2px 8px' : '0 10px',
        whiteSpace: 'pre-wrap',
        wordBreak: 'break-word',
        overflowWrap: 'anywhere',
        ...(err ? styles.stderr : {}),
      }}
    >
      {meta}
      {narrow ? <div style={{ flexBasis: '100%', minWidth: 0 }}>{text}</div> : text}
    </div>
  );
});
