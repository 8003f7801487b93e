// Custom domains and TLS certificates: one page for everyone (the API shows each user the domains of
// the apps they see; certificates to admins, operators and auditors).
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import { type Feature, lazyPage } from '../../app/feature.ts';

export const domainsFeature: Feature = {
  id: 'domains',
  routes: [lazyPage('/domains', () => import('./DomainsPage.tsx'))],
  nav: [
    {
      path: '/domains',
      label: { en: 'Domains', 'zh-CN': '域名' },
      icon: createElement(SafetyCertificateOutlined),
      order: 45,
      section: 'main',
    },
  ],
};
