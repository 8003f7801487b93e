import { type Feature, lazyPage } from '../../app/feature.ts';

export const accountFeature: Feature = {
  id: 'account',
  routes: [
    lazyPage('/account', () => import('./AccountPage.tsx')),
    lazyPage('/account/password', () => import('./PasswordPage.tsx')),
  ],
};
