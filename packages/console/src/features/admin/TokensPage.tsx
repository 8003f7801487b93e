// Every user's API tokens (/admin/tokens, admins): newest first, paged, filtered by username (in the
// URL, so a filtered view is a link), revoke with a confirmation naming the owner.
import type { ApiToken } from '@berth/sdk';
import { Button, Flex, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { TokenTable } from '../../components/tokens/TokenTable.tsx';
import { tokenMessages } from '../../components/tokens/token-messages.ts';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { adminTokensMessages } from './admin-tokens-messages.ts';
import { ADMIN_PAGE_ROLES } from './page-roles.ts';
import { USERNAME_RE } from './user-fields.ts';

function TokensList() {
  const api = useApi();
  const t = useMessages(adminTokensMessages);
  const tk = useMessages(tokenMessages);
  const [params, setParams] = useSearchParams();
  const username = params.get('username') ?? '';
  const [draft, setDraft] = useState(username);
  const [invalid, setInvalid] = useState(false);
  // The back button changes the filter too.
  useEffect(() => setDraft(username), [username]);

  const list = useCursorList<ApiToken>(
    async (cursor) => {
      const page = await api.listTokens({
        limit: 50,
        ...(username ? { username } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { items: page.tokens, nextCursor: page.nextCursor };
    },
    [api, username],
  );

  const applyFilter = (value: string) => {
    const name = value.trim().toLowerCase();
    if (name && !USERNAME_RE.test(name)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setDraft(name);
    setParams(name ? { username: name } : {});
  };

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Flex gap={8} wrap align="flex-start" style={{ marginBottom: 16 }}>
        <div>
          <Input.Search
            aria-label={t('filterUser')}
            placeholder={t('filterPlaceholder')}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onSearch={applyFilter}
            allowClear
            status={invalid ? 'error' : undefined}
            style={{ width: 260, maxWidth: '100%' }}
            data-testid="admin-tokens-filter"
          />
          {invalid ? (
            <div>
              <Typography.Text type="danger">{t('filterInvalid')}</Typography.Text>
            </div>
          ) : null}
        </div>
        {username ? (
          <Button onClick={() => applyFilter('')} data-testid="admin-tokens-clear">
            {t('clear')}
          </Button>
        ) : null}
      </Flex>
      <TokenTable
        list={list}
        onOwner={applyFilter}
        revoke={(token) => api.revokeToken(token.id)}
        revokeText={(token) =>
          tk('revokeTextOwner', { user: token.username, name: token.name, prefix: token.prefix })
        }
        empty={<EmptyState description={username ? t('emptyFiltered', { username }) : t('empty')} />}
        testIds={{
          table: 'admin-tokens-table',
          row: (token) => `admin-token-row-${token.id}`,
          revoke: (token) => `admin-token-revoke-${token.id}`,
          loadMore: 'admin-tokens-load-more',
        }}
      />
    </>
  );
}

export default function TokensPage() {
  return (
    <RequireRole roles={ADMIN_PAGE_ROLES.tokens}>
      <TokensList />
    </RequireRole>
  );
}
