// Notifications: the admins' channels page and everyone's per-app subscriptions and deliveries.
import { BellOutlined, NotificationOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';
import { CHANNELS_PAGE_ROLES } from './page-roles.ts';

export const notificationsFeature: Feature = {
  id: 'notifications',
  routes: [
    lazyPage('/notifications', () => import('./NotificationsPage.tsx')),
    lazyPage('/admin/channels', () => import('./ChannelsPage.tsx')),
  ],
  nav: [
    {
      path: '/notifications',
      label: { en: 'Notifications', 'zh-CN': '通知' },
      icon: createElement(BellOutlined),
      order: 40,
      section: 'main',
    },
    {
      path: '/admin/channels',
      label: { en: 'Notification channels', 'zh-CN': '通知渠道' },
      icon: createElement(NotificationOutlined),
      roles: CHANNELS_PAGE_ROLES,
      order: 125,
      section: 'admin',
    },
  ],
};
