import { CloudServerOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';

export const appsFeature: Feature = {
  id: 'apps',
  routes: [
    lazyPage('/apps', () => import('./AppsPage.tsx')),
    lazyPage('/apps/:code', () => import('./detail/AppDetailPage.tsx')),
    lazyPage('/apps/:code/:env', () => import('./detail/AppDetailPage.tsx')),
    lazyPage('/apps/:code/:env/:tab', () => import('./detail/AppDetailPage.tsx')),
  ],
  nav: [
    {
      path: '/apps',
      label: { en: 'Apps', 'zh-CN': '应用' },
      icon: createElement(CloudServerOutlined),
      order: 20,
      section: 'main',
    },
  ],
};
