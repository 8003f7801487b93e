// The API gateway: its systems and their components with their docs (everyone), the grants of calls
// (granted and revoked by those the API lets), call records and trusted apps, all under /apigw.
import { ApiOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';

export const apigwFeature: Feature = {
  id: 'apigw',
  routes: [
    lazyPage('/apigw', () => import('./ApigwPage.tsx')),
    lazyPage('/apigw/systems/:name', () => import('./SystemPage.tsx')),
  ],
  nav: [
    {
      path: '/apigw',
      label: { en: 'API gateway', 'zh-CN': 'API 网关' },
      icon: createElement(ApiOutlined),
      order: 47,
      section: 'main',
    },
  ],
};
