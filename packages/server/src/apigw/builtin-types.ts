// The shapes every built-in component (the system `berth`, builtin-system.ts) shares: what its
// handler gets of a call that passed every check of the gateway, and what it answers.
import type { ApigwComponent } from '@berth/sdk';

/** What a built-in component's handler is given of a call that passed every check. */
export interface BuiltinCall {
  /** The calling app's code. */
  app: string;
  /** The user the call names (a gateway user token, or a trusted app's user name). */
  user: string | undefined;
  /** The path's `{var}` segments, decoded. */
  params: Readonly<Record<string, string>>;
  /** The query without BlueKing's credential fields. */
  query: URLSearchParams;
  /** The JSON (or form) body without credential fields; undefined when there is none. */
  body: unknown;
}

/** Answers the envelope's `data`, or throws a BerthError (its code and status are the answer's). */
export type BuiltinHandler = (call: BuiltinCall) => Promise<unknown>;

/** One built-in component: its declaration (no destination) and its handler's factory. */
export interface BuiltinComponent<Deps> {
  declaration: Omit<ApigwComponent, 'system' | 'builtIn' | 'dest'>;
  handler(deps: Deps): BuiltinHandler;
}
