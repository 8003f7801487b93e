import { AppstoreOutlined } from '@ant-design/icons';
import { createElement } from 'react';
import type { Feature } from '../../app/feature.ts';

export const workbenchFeature: Feature = {
  id: 'workbench',
  routes: [{ index: true, lazy: async () => ({ Component: (await import('./WorkbenchPage.tsx')).default }) }],
  nav: [
    {
      path: '/',
      label: { en: 'Workbench', 'zh-CN': '工作台' },
      icon: createElement(AppstoreOutlined),
      order: 10,
      section: 'main',
    },
  ],
};
