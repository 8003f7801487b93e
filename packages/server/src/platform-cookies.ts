// The names of the platform's own cookies (the console session and its predecessors). They belong to
// berthd's origin only: the gateway removes them from every request it proxies to an app and drops
// any Set-Cookie of an app that would set one of them (gateway/cookie-filter.ts); the identity module
// names its session cookie from this list.
export const PLATFORM_COOKIE_NAMES = ['__Host-berth_session', 'berth_session', 'berth_token'] as const;

export type PlatformCookieName = (typeof PLATFORM_COOKIE_NAMES)[number];
