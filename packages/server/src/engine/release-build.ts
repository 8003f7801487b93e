// What a release remembers of its build (stored as JSON in releases.build): how to run it.
import type { HealthCheck, Resources } from '../manifest/index.ts';
import { resolveFormation } from './plan-deploy.ts';

export interface ReleaseBuild {
  runtime: string;
  /** The image instances of this release run (container runtimes): a release image built from the
   *  app's Dockerfile, or the stack image the app was built in. Unset for the process runtime; the
   *  engine then uses the runtime's stack image. */
  image?: string;
  processes: Record<string, { command: string[]; count: number }>;
  /** The release command, run once before a new release's instances start. */
  release?: string[];
  /** Static sites: the served root relative to the artifact dir. `dotfiles` is absent in releases
   *  built before it existed (refused then, the default). */
  static?: { root: string; index: string; spa: boolean; dotfiles?: boolean };
  pathPrepend?: string[];
  /** The manifest's env defaults (config vars override them). */
  env: Record<string, string>;
  health: HealthCheck;
  resources: Resources;
  /** The artifact was sealed (build/seal-artifact.ts): every file in it is root's. Absent in releases
   *  built by a berthd that is not root, or before sealing existed. */
  sealed?: boolean;
}

/** `runtime` of a release built from the app's Dockerfile: its image carries the app, so container
 *  instances mount no artifact and keep the image's working directory and PATH. */
export const DOCKERFILE_RUNTIME = 'dockerfile';

export function parseReleaseBuild(text: string | null): ReleaseBuild {
  if (!text) throw new Error('the release has no build record');
  return JSON.parse(text) as ReleaseBuild;
}

/** Process types and their declared counts. */
export function declaredCounts(build: ReleaseBuild): Record<string, number> {
  return Object.fromEntries(Object.entries(build.processes).map(([type, p]) => [type, p.count]));
}

/** The counts the release runs with `formation`: each process type's override, else its declared count. */
export function formationCounts(
  build: ReleaseBuild,
  formation: Readonly<Record<string, number>>,
): Record<string, number> {
  return resolveFormation(declaredCounts(build), formation);
}

export function releaseSealContext(code: string, env: string, version: number): string {
  return `release:${code}:${env}:${version}`;
}
