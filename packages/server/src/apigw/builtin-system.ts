// The built-in system `berth`: platform APIs apps call through the same gateway as each other's
// (user lookup, app info, notifications). Its declaration lives here, in code, not in a system file:
// the listings and the OpenAPI document show it (`builtIn: true`), no file, PUT or DELETE can declare,
// change or remove it, export never writes it. A call to one of its components goes through every
// step of a call (app, user, grant, rate limit, record) and is then answered by the component's
// handler in berthd's own process instead of being forwarded (call-handler.ts, builtin-call.ts).
//
// Each component is a small module (builtin-users.ts, builtin-apps.ts, builtin-notifications.ts): its
// declaration and a factory of its handler from injected dependencies. A handler gets the calling
// app, the user the call named, the path's variables, the query and the parsed body, and answers the
// `data` of the envelope or throws a BerthError; it never acts as a platform actor: the grant is the
// permission.
import { APIGW_BUILTIN_SYSTEM, type ApigwComponent, type ApigwSystem } from '@berth/sdk';
import { appsComponent, type BuiltinApps } from './builtin-apps.ts';
import { type BuiltinNotifications, notificationsComponent } from './builtin-notifications.ts';
import type { BuiltinComponent, BuiltinHandler } from './builtin-types.ts';
import { type BuiltinUsers, userBatchComponent, userComponent } from './builtin-users.ts';

/** Everything the built-in components need of the platform, injected by berthd. */
export interface BuiltinDeps extends BuiltinUsers, BuiltinApps, BuiltinNotifications {}

export const BUILTIN_SYSTEM: Readonly<ApigwSystem> = {
  name: APIGW_BUILTIN_SYSTEM,
  label: 'Berth platform',
  timeoutMs: 10_000,
  builtIn: true,
  docs: [
    '# Berth platform',
    '',
    "Platform APIs answered by berthd itself: look up users, read an app's environments and",
    "releases, send a notification to the channels the calling app's developers subscribed it to.",
    '',
    "Answers are JSON in BlueKing's ESB envelope: `{result, code, message, data, request_id}`;",
    '`result: true` and `code: 0` on success, a catalogue code otherwise.',
  ].join('\n'),
};

// biome-ignore lint/suspicious/noExplicitAny: each component names its own deps, a part of BuiltinDeps
const COMPONENTS: ReadonlyArray<BuiltinComponent<any>> = [
  userComponent,
  userBatchComponent,
  appsComponent,
  notificationsComponent,
];

function declared(c: BuiltinComponent<unknown>): ApigwComponent {
  return { ...c.declaration, system: APIGW_BUILTIN_SYSTEM, builtIn: true };
}

/** The built-in system's components, as listings show them. */
export function builtinComponents(): ApigwComponent[] {
  return COMPONENTS.map(declared);
}

/** The built-in system as the directory routes it (its components have no destination). */
export function builtinDeclaration(): { system: ApigwSystem; components: ApigwComponent[] } {
  return { system: { ...BUILTIN_SYSTEM }, components: builtinComponents() };
}

/** Every built-in component's handler, by component name. */
export function createBuiltinHandlers(deps: BuiltinDeps): ReadonlyMap<string, BuiltinHandler> {
  return new Map(COMPONENTS.map((c) => [c.declaration.name, c.handler(deps)]));
}
