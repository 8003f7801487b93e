// Limits that bound what one package may unpack to. Every limit is enforced while streaming, before
// the bytes concerned reach the disk.

export interface UnpackLimits {
  /** Sum of all file sizes, in bytes. */
  maxTotalBytes: number;
  /** Entries in the archive (files, directories, links; every header counts). */
  maxFiles: number;
  /** Size of one file, in bytes. */
  maxFileBytes: number;
  /** Inflated bytes per compressed byte, checked once RATIO_GRACE_BYTES were inflated. */
  maxCompressionRatio: number;
  /** Length of an entry's path or link target, in UTF-8 bytes. */
  maxPathLength: number;
  /** Path components of an entry. */
  maxDepth: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = Object.freeze({
  maxTotalBytes: 512 * MiB,
  maxFiles: 20_000,
  maxFileBytes: 256 * MiB,
  maxCompressionRatio: 200,
  maxPathLength: 1024,
  maxDepth: 64,
});

/** The ratio is only judged after this many inflated bytes: tiny archives compress oddly well. */
export const RATIO_GRACE_BYTES = 10 * MiB;

export function resolveLimits(overrides: Partial<UnpackLimits> = {}): UnpackLimits {
  const limits: UnpackLimits = { ...DEFAULT_UNPACK_LIMITS };
  for (const key of Object.keys(DEFAULT_UNPACK_LIMITS) as (keyof UnpackLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`unpack limit ${key} must be > 0`);
    limits[key] = value;
  }
  return limits;
}
