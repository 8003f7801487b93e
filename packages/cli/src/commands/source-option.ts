// The --ref, --repo and --image options of `berth deploy` and `berth requests create`: deploy a git
// ref (of the hosted or the external repository) or a prebuilt image instead of a package.
import { GIT_REF_MAX, REPOSITORY_KINDS, type RepositoryKind } from '@berth/sdk';
import type { CommandContext, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';

/** What a build deploys when it is not a package: a git ref, or an image. */
export type SourceWhat =
  | { kind: 'git'; ref: string; repository?: RepositoryKind | undefined }
  | { kind: 'image'; image: string };

const IMAGE_MAX = 512;

export const SOURCE_OPTIONS: OptionSpecs = {
  ref: {
    type: 'string',
    value: 'REF',
    help: "Deploy a branch, tag or commit of the app's git repository instead of a directory",
  },
  repo: {
    type: 'string',
    value: 'hosted|external',
    help: "With --ref: the hosted repository (git push's) or the external one 'berth sources set' names",
  },
  image: {
    type: 'string',
    value: 'NAME:TAG',
    help: 'Deploy a prebuilt image (Docker runtime) instead of a directory',
  },
};

/**
 * The source --ref (with --repo) or --image names; undefined when neither is given (a package).
 * `hasPath` says a DIR or FILE was given too, which they exclude.
 */
export function sourceOption(ctx: CommandContext, hasPath: boolean): SourceWhat | undefined {
  const ref = ctx.str('ref');
  const repo = ctx.str('repo');
  const image = ctx.str('image');
  if (ref !== undefined && image !== undefined) throw usageError('give --ref or --image, not both');
  if (repo !== undefined && ref === undefined) throw usageError('--repo goes with --ref');
  const given = ref !== undefined ? '--ref' : image !== undefined ? '--image' : undefined;
  if (given === undefined) return undefined;
  if (hasPath) throw usageError(`${given} deploys without a directory: leave out DIR`);
  if (ref !== undefined) {
    if (ref.trim() === '' || ref.length > GIT_REF_MAX) {
      throw usageError(`--ref needs a branch, tag or commit (at most ${GIT_REF_MAX} characters)`);
    }
    return { kind: 'git', ref, repository: repo === undefined ? undefined : repositoryKind('repo', repo) };
  }
  if (image === undefined || image.trim() === '' || image.length > IMAGE_MAX) {
    throw usageError(`--image needs NAME[:TAG] or NAME@sha256:… (at most ${IMAGE_MAX} characters)`);
  }
  return { kind: 'image', image };
}

/** `hosted` or `external`. */
export function repositoryKind(option: string, raw: string): RepositoryKind {
  if (!(REPOSITORY_KINDS as readonly string[]).includes(raw)) {
    throw usageError(`--${option} is hosted or external, not '${raw}'`);
  }
  return raw as RepositoryKind;
}

/** The source in words: `ref v1.2.0 (external)`, `image shop:1.4`. */
export function sourceWords(source: SourceWhat): string {
  return source.kind === 'git'
    ? `ref ${source.ref}${source.repository === 'external' ? ' of the external repository' : ''}`
    : `image ${source.image}`;
}
