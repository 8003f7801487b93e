// The console's one API client: @berth/sdk's BerthClient on the page's own origin, authenticated
// by the browser's session cookie (never a token in script-readable storage).
import { BerthClient } from '@berth/sdk/client';
import { createContext, type ReactNode, useContext, useMemo } from 'react';

const ApiContext = createContext<BerthClient | null>(null);

export function ApiProvider({ children, client }: { children: ReactNode; client?: BerthClient }) {
  const value = useMemo(
    () =>
      client ??
      new BerthClient({
        baseUrl: window.location.origin,
        fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
      }),
    [client],
  );
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

export function useApi(): BerthClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside ApiProvider');
  return client;
}
