// Built-in component `berth/get_app`: what an app is and where it is served: its code, name and
// description, and per environment its URL on the apps origin (`/t/{code}/` staging, `/o/{code}/`
// production), its custom domains, the version of its deployed release and whether it is serving.
// Never its secret, config vars, members or tokens: the source it reads has no such field.
import type { EnvName } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { BuiltinComponent } from './builtin-types.ts';

/** An app as the platform describes it here (no secret, no config). */
export interface AppFacts {
  code: string;
  name: string;
  description: string;
  envs: Array<{ name: EnvName; url?: string | undefined; release?: number | undefined }>;
}

export interface BuiltinApps {
  /** The app's facts, or undefined when there is no such app. */
  appFacts(code: string): Promise<AppFacts | undefined>;
  /** The custom domains of the app, with the environment each serves. */
  appDomains(code: string): Promise<Array<{ host: string; env: string }>>;
  /** Whether the environment has a healthy instance taking calls now. */
  serving(code: string, env: EnvName): boolean;
}

/** `running`: deployed and an instance takes calls; `unavailable`: deployed, none does now;
 *  `not-deployed`: no release yet. */
export type EnvStatus = 'running' | 'unavailable' | 'not-deployed';

export function envStatus(release: number | undefined, serving: boolean): EnvStatus {
  if (release === undefined) return 'not-deployed';
  return serving ? 'running' : 'unavailable';
}

export const appsComponent: BuiltinComponent<BuiltinApps> = {
  declaration: {
    name: 'get_app',
    label: 'Describe an app',
    path: '/apps/{code}',
    method: 'GET',
    type: 'query',
    permLevel: 'normal',
    hidden: false,
    docs: [
      'An app and its environments. `data`: `{code, name, description, envs}`, each environment',
      '`{name, url, domains, release, status}`: `url` on the apps origin (`/t/…` staging, `/o/…`',
      'production), `domains` its custom host names, `release` the deployed version (null: none),',
      '`status` `running`, `unavailable` (no healthy instance now) or `not-deployed`.',
      '`404 APP_NOT_FOUND` when there is no such app.',
    ].join('\n'),
  },
  handler: (deps) => async (call) => {
    const code = call.params['code'] ?? '';
    const app = await deps.appFacts(code);
    if (app === undefined) throw new BerthError('APP_NOT_FOUND', `No app ${code}`, { code });
    const domains = await deps.appDomains(code);
    return {
      code: app.code,
      name: app.name,
      description: app.description,
      envs: app.envs.map((env) => ({
        name: env.name,
        url: env.url ?? null,
        domains: domains.filter((d) => d.env === env.name).map((d) => d.host),
        release: env.release ?? null,
        status: envStatus(env.release, deps.serving(app.code, env.name)),
      })),
    };
  },
};
