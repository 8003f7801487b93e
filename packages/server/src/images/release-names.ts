// The names of release images (`berth-{installation}/{code}:{env}-v{n}`): pure functions,
// which the engine uses without a container engine (release-images.ts acts on the images).
import { BerthError } from '../errors.ts';

/** The repository prefix of an installation's release images. */
export function releaseImageRepo(installation: string): string {
  return `berth-${installation}/`;
}
/** One component of a Docker repository name (app codes may end in - or _, which Docker refuses). */
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function releaseImageTag(installation: string, app: string, env: string, version: number): string {
  if (!REPO_COMPONENT.test(app)) {
    throw new BerthError(
      'BUILD_IMAGE_FAILED',
      `The app code "${app}" cannot name a Docker image (it must not end with - or _, nor hold ___)`,
      { tail: [] },
    );
  }
  return `${releaseImageRepo(installation)}${app}:${env}-v${version}`;
}

/** Whether `ref` is one of `app`'s release images (not a stack image, not another app's). */
export function isReleaseImageOf(installation: string, app: string, ref: string | undefined): ref is string {
  if (!ref) return false;
  return new RegExp(`^${escapeRegExp(`${releaseImageRepo(installation)}${app}`)}:[a-z]+-v\\d+$`).test(ref);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
