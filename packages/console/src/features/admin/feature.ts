import { AuditOutlined, DashboardOutlined, KeyOutlined, TeamOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';
import { ADMIN_PAGE_ROLES } from './page-roles.ts';

export const adminFeature: Feature = {
  id: 'admin',
  routes: [
    lazyPage('/admin/users', () => import('./UsersPage.tsx')),
    lazyPage('/admin/tokens', () => import('./TokensPage.tsx')),
    lazyPage('/admin/audit', () => import('./AuditPage.tsx')),
    lazyPage('/admin/status', () => import('./StatusPage.tsx')),
  ],
  nav: [
    {
      path: '/admin/users',
      label: { en: 'Users and roles', 'zh-CN': '用户与角色' },
      icon: createElement(TeamOutlined),
      roles: ADMIN_PAGE_ROLES.users,
      order: 110,
      section: 'admin',
    },
    {
      path: '/admin/tokens',
      label: { en: 'API tokens', 'zh-CN': 'API 令牌' },
      icon: createElement(KeyOutlined),
      roles: ADMIN_PAGE_ROLES.tokens,
      order: 120,
      section: 'admin',
    },
    {
      path: '/admin/audit',
      label: { en: 'Audit log', 'zh-CN': '审计日志' },
      icon: createElement(AuditOutlined),
      roles: ADMIN_PAGE_ROLES.audit,
      order: 130,
      section: 'admin',
    },
    {
      path: '/admin/status',
      label: { en: 'Platform status', 'zh-CN': '平台状态' },
      icon: createElement(DashboardOutlined),
      roles: ADMIN_PAGE_ROLES.status,
      order: 140,
      section: 'admin',
    },
  ],
};
