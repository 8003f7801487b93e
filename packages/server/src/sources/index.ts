export { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './unpack-limits.ts';
export { type UnpackOptions, type UnpackResult, unpackPackage } from './unpack-package.ts';
