// Stack images: the local, registry-free images app containers start from.

export {
  BAKED_APP_DIR,
  type BakeReleaseOptions,
  bakeReleaseImage,
  listAppImages,
  type RemoveResult,
  removeReleaseImage,
} from './release-images.ts';
export { isReleaseImageOf, releaseImageRepo, releaseImageTag } from './release-names.ts';
export {
  DEFAULT_DEBIAN_MIRROR,
  ensureStackImage,
  STACK_BASE_IMAGE,
  STACK_IMAGES,
  STACK_PATH,
  type StackImageOptions,
  type StackName,
} from './stack-image.ts';
