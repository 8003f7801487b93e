// What the user may do with the app, per environment (GET /apps/{code}/permissions), for the tabs
// that offer actions by it (env-actions.ts).
import type { AppPermissionsResponse } from '@berth/sdk';
import { useApi } from '../../../api/ApiProvider.tsx';
import { type AsyncState, useAsync } from '../../../components/use-async.ts';

export function useAppPermissions(code: string): AsyncState<AppPermissionsResponse> {
  const api = useApi();
  return useAsync(() => api.appPermissions(code), [api, code]);
}
