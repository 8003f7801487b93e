// Who is logged in. The console asks GET /api/v1/me once at start (the browser holds the session
// cookie, HttpOnly: no script ever sees it); a 401 anywhere later means the session ended.
import type { User } from '@berth/sdk';
import { isBerthApiError } from '@berth/sdk/client';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { SESSION_ENDED_EVENT, useApi } from '../api/ApiProvider.tsx';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'error'; error: unknown }
  | { status: 'user'; user: User };

interface SessionContextValue {
  state: SessionState;
  /** After a login or a password change. */
  setUser(user: User): void;
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const me = await api.me();
      setState({ status: 'user', user: me.user });
    } catch (err) {
      if (isBerthApiError(err) && err.status === 401) setState({ status: 'anonymous' });
      else setState({ status: 'error', error: err });
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // A 401 on any call: the frame then sends the visitor to the login page, and back afterwards.
  useEffect(() => {
    const ended = () => setState((s) => (s.status === 'user' ? { status: 'anonymous' } : s));
    window.addEventListener(SESSION_ENDED_EVENT, ended);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, ended);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch (err) {
      // Already logged out (401) is fine; anything else the caller shows.
      if (!(isBerthApiError(err) && err.status === 401)) throw err;
    }
    setState({ status: 'anonymous' });
  }, [api]);

  const value = useMemo<SessionContextValue>(
    () => ({
      state,
      setUser: (user) => setState({ status: 'user', user }),
      refresh,
      logout,
    }),
    [state, refresh, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The logged-in user; only inside the shell's guarded routes. */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'user') throw new Error('useUser without a logged-in user');
  return state.user;
}
