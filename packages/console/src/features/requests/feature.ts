// Deploy requests: the inbox (to approve, mine, all pending) with the menu's count of what waits
// for the user, and a request's page with its decisions.
import { AuditOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';
import { PendingBadge } from './PendingBadge.tsx';

export const requestsFeature: Feature = {
  id: 'requests',
  routes: [
    lazyPage('/requests', () => import('./RequestsPage.tsx')),
    lazyPage('/requests/:id', () => import('./RequestPage.tsx')),
  ],
  nav: [
    {
      path: '/requests',
      label: { en: 'Requests', 'zh-CN': '部署申请' },
      icon: createElement(AuditOutlined),
      order: 25,
      section: 'main',
      badge: PendingBadge,
    },
  ],
};
