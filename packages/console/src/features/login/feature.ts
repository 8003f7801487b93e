import { type Feature, lazyPage } from '../../app/feature.ts';

export const loginFeature: Feature = {
  id: 'login',
  routes: [],
  publicRoutes: [lazyPage('/login', () => import('./LoginPage.tsx'))],
};
