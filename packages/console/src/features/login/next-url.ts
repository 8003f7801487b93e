// Where to go after logging in. `next` comes from the address bar, so anyone can craft it: only a
// path on this origin is followed, never another site (`//evil`, `/\evil`, `https:`), and of the
// API only the app-login route (which then sends the browser on to the app, checked by berthd).
export type NextTarget = { kind: 'console'; path: string } | { kind: 'document'; path: string };

const APP_LOGIN = '/api/v1/auth/app-login?';
const NOT_CONSOLE = ['/api/', '/t/', '/o/', '/assets/', '/downloads/', '/healthz', '/login'];

export function nextTarget(next: string | null | undefined): NextTarget {
  const home: NextTarget = { kind: 'console', path: '/' };
  if (!next || next.length > 4096) return home;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return home;
  // Control characters and spaces never appear in a path we would send anyone to.
  for (let i = 0; i < next.length; i += 1) {
    const c = next.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return home;
  }
  if (next.startsWith(APP_LOGIN)) return { kind: 'document', path: next };
  if (NOT_CONSOLE.some((p) => next === p.replace(/\/$/, '') || next.startsWith(p))) return home;
  return { kind: 'console', path: next };
}
