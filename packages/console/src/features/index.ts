// Every capability of the console, in menu order of no importance (each nav entry has its own).
import type { Feature } from '../app/feature.ts';
import { accountFeature } from './account/feature.ts';
import { adminFeature } from './admin/feature.ts';
import { apigwFeature } from './apigw/feature.ts';
import { appsFeature } from './apps/feature.ts';
import { domainsFeature } from './domains/feature.ts';
import { loginFeature } from './login/feature.ts';
import { notificationsFeature } from './notifications/feature.ts';
import { requestsFeature } from './requests/feature.ts';
import { workbenchFeature } from './workbench/feature.ts';

export const FEATURES: readonly Feature[] = [
  loginFeature,
  workbenchFeature,
  appsFeature,
  requestsFeature,
  domainsFeature,
  apigwFeature,
  accountFeature,
  adminFeature,
  notificationsFeature,
];
