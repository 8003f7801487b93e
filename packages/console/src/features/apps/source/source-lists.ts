// The sources API's lists (pinnable manifest fields, repository kinds and auth) as plain data: the
// SDK keeps its own inside TypeBox schemas, and importing them would load TypeBox into the
// console's pages. The types fail the typecheck when a list misses a value of the SDK's type;
// source-form.test.ts checks each equals the SDK's.
import type { PinnableField, RepositoryKind, SourceSettings, SourceSettingsUpdate } from '@berth/sdk';
import type { Complete } from '../../../components/complete-list.ts';

const fields = [
  'runtime',
  'processes',
  'release',
  'build',
  'env',
  'health',
  'resources',
  'static',
] as const satisfies readonly PinnableField[];
export const PINNABLE_FIELD_LIST: Complete<PinnableField, typeof fields> = fields;

const repositories = ['hosted', 'external'] as const satisfies readonly RepositoryKind[];
export const REPOSITORY_KIND_LIST: Complete<RepositoryKind, typeof repositories> = repositories;

/** How Berth authenticates to an external repository (the SDK's REPOSITORY_AUTH). */
export type RepositoryAuth = NonNullable<SourceSettings['external']>['auth'];
const auths = ['none', 'token', 'ssh'] as const satisfies readonly RepositoryAuth[];
export const REPOSITORY_AUTH_LIST: Complete<RepositoryAuth, typeof auths> = auths;

type ExternalUpdate = Exclude<NonNullable<SourceSettingsUpdate['external']>, null>;
/** The update's write-only field that carries each kind of credential. */
export const CREDENTIAL_FIELD = {
  token: 'token',
  ssh: 'sshKey',
} as const satisfies Record<Exclude<RepositoryAuth, 'none'>, keyof ExternalUpdate>;
