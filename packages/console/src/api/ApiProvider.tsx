// The console's one API client: @berth/sdk's BerthClient on the page's own origin, authenticated
// by the browser's session cookie (never a token in script-readable storage).
import { BerthClient } from '@berth/sdk/client';
import { createContext, type ReactNode, useContext, useMemo } from 'react';

const ApiContext = createContext<BerthClient | null>(null);

/** Dispatched on `window` when a call other than the login is answered 401: the session ended
 *  (expired, revoked, logged out in another tab). The session listens and shows the login page. */
export const SESSION_ENDED_EVENT = 'berth:session-ended';

async function consoleFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, { ...init, credentials: 'same-origin' });
  if (response.status === 401) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!new URL(url, window.location.href).pathname.startsWith('/api/v1/auth/')) {
      window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
    }
  }
  return response;
}

export function ApiProvider({ children, client }: { children: ReactNode; client?: BerthClient }) {
  const value = useMemo(
    () => client ?? new BerthClient({ baseUrl: window.location.origin, fetch: consoleFetch }),
    [client],
  );
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

export function useApi(): BerthClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside ApiProvider');
  return client;
}
