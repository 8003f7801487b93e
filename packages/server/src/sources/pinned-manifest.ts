// The seed's two-repository rule as a setting: an operator pins an app's manifest (the fields that
// decide how it runs: processes, resources, health…), and the code's own berth.yaml may no longer
// change them. A source without a berth.yaml gets the pinned one; one whose berth.yaml differs in a
// pinned field is refused, naming the fields. Fields are compared as written (YAML values), so a
// reordered mapping is the same and a value written another way is a change.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PinnableField } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import { checkManifestText, MANIFEST_FILE, readTextFile } from '../manifest/index.ts';

export interface PinnedManifest {
  manifest: string;
  fields: readonly PinnableField[];
}

/** The pin's identity in build keys: the same pin, the same build. */
export function pinDigest(pin: PinnedManifest): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([pin.manifest, [...pin.fields].sort()]))
    .digest('hex')
    .slice(0, 16);
}

/** The pinned fields `text` (a berth.yaml) changes; [] when it keeps every one. MANIFEST_INVALID
 *  when it is not a manifest at all. */
export function changedPinnedFields(pin: PinnedManifest, text: string): PinnableField[] {
  const pinned = checkManifestText(pin.manifest);
  const pushed = checkManifestText(text);
  return pin.fields.filter((field) => canonical(pinned[field]) !== canonical(pushed[field]));
}

/** The refusal of a manifest that changes pinned fields. */
export function pinnedError(fields: readonly string[], where: string): BerthError {
  return new BerthError(
    'MANIFEST_PINNED',
    `${where} changes ${fields.join(', ')}, which an operator pinned: change ${fields.length > 1 ? 'them' : 'it'} back, or ask an operator to update the pin`,
    { fields },
  );
}

/**
 * The build's check of a source tree under a pin: a berth.yaml that changes pinned fields is refused;
 * a tree without one gets the pinned manifest (written as a new file: nothing of the tree's is followed).
 */
export async function applyPin(pin: PinnedManifest, sourceRoot: string): Promise<void> {
  const text = await readTextFile(sourceRoot, MANIFEST_FILE);
  if (text === undefined) {
    const file = path.join(sourceRoot, MANIFEST_FILE);
    // A dangling symlink named berth.yaml reads as absent: O_EXCL|O_NOFOLLOW refuses to write through it.
    const flags =
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, flags, 0o644);
    } catch (err) {
      throw new BerthError(
        'MANIFEST_INVALID',
        `berth.yaml is not a regular file (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    try {
      await handle.writeFile(pin.manifest);
    } finally {
      await handle.close();
    }
    return;
  }
  const changed = changedPinnedFields(pin, text);
  if (changed.length > 0) throw pinnedError(changed, "The source's berth.yaml");
}

/** JSON with sorted keys: mappings compare by content, not order. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
          )
        : v,
    ) ?? 'undefined'
  );
}
