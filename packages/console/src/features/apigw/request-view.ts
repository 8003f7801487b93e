// What the permission requests tab shows and offers (plain functions, tested without a browser): the
// status filter kept in the address, a request's target as text, the components worth asking for,
// and which decisions a user is offered on a request. The API decides in the end; its refusal
// (FORBIDDEN, APIGW_REQUEST_DECIDED …) is shown with its code. The SDK's constants live in its
// TypeBox schemas (importing them would load TypeBox into the page): plain copies here, checked
// against the SDK by the typecheck (Complete) and by apigw-requests-view.test.ts.
import type { ApigwComponent, ApigwPermissionRequest, ApigwRequestStatus } from '@berth/sdk';
import type { Role } from '../../app/feature.ts';
import type { Complete } from '../../components/complete-list.ts';
import type { Tone } from '../../components/ToneTag.tsx';

const statuses = [
  'requested',
  'approved',
  'refused',
  'withdrawn',
] as const satisfies readonly ApigwRequestStatus[];
export const REQUEST_STATUS_LIST: Complete<ApigwRequestStatus, typeof statuses> = statuses;
/** The longest reason of a request or a decision (the SDK's APIGW_REQUEST_REASON_MAX). */
export const REQUEST_REASON_MAX = 2000;

/** Who may ask for permission (the API checks membership of the calling app); auditors only read. */
export const REQUEST_FILERS: readonly Role[] = ['admin', 'operator', 'developer'];

/** The status filter: one status, or every request. */
export type RequestStatusFilter = ApigwRequestStatus | 'all';

/** The filter an address asks for (`?status=`); the open requests when it names none or no status. */
export function requestStatusFilter(asked: string | null): RequestStatusFilter {
  if (asked === 'all') return 'all';
  return REQUEST_STATUS_LIST.find((s) => s === asked) ?? 'requested';
}

/** The tag's colour of a status. */
export function requestStatusTone(status: ApigwRequestStatus): Tone {
  switch (status) {
    case 'requested':
      return 'amber';
    case 'approved':
      return 'green';
    case 'refused':
      return 'red';
    default:
      return 'gray';
  }
}

/** What a request asks for: `SYSTEM/component`, or `SYSTEM` for every component. */
export function requestTarget(r: Pick<ApigwPermissionRequest, 'system' | 'component'>): string {
  return r.component === null ? r.system : `${r.system}/${r.component}`;
}

/** The grants tab filtered by the calling app (where an approval's grant is listed). */
export function grantsOfAppPath(app: string): string {
  return `/apigw?tab=grants&app=${encodeURIComponent(app)}`;
}

/** The components one may ask for: those that need a grant (not `unlimited`). */
export function requestableComponents<C extends Pick<ApigwComponent, 'permLevel'>>(
  components: readonly C[],
): C[] {
  return components.filter((c) => c.permLevel !== 'unlimited');
}

export interface RequestDecisions {
  approve: boolean;
  refuse: boolean;
  withdraw: boolean;
}

export interface RequestViewer {
  role: Role;
  username: string;
  /** The apps the user is a developer member of (a developer's app list); undefined: unknown. */
  apps: ReadonlySet<string> | undefined;
}

/** The decisions offered on a request: none once it is decided, none to auditors; all to admins and
 *  operators; to a developer, approve and refuse when they are a member of the system's owner app
 *  (`owner`, undefined for a system without one: staff's alone) and withdraw when they filed it or
 *  build the calling app. When the developer's apps are unknown every decision is offered and the
 *  API answers. */
export function requestDecisions(
  r: Pick<ApigwPermissionRequest, 'status' | 'app' | 'requestedBy'>,
  owner: string | undefined,
  viewer: RequestViewer,
): RequestDecisions {
  const none = { approve: false, refuse: false, withdraw: false };
  if (r.status !== 'requested') return none;
  switch (viewer.role) {
    case 'admin':
    case 'operator':
      return { approve: true, refuse: true, withdraw: true };
    case 'developer': {
      const apps = viewer.apps;
      if (!apps) return { approve: true, refuse: true, withdraw: true };
      const decide = owner !== undefined && apps.has(owner);
      return {
        approve: decide,
        refuse: decide,
        withdraw: r.requestedBy === viewer.username || apps.has(r.app),
      };
    }
    default:
      return none;
  }
}
