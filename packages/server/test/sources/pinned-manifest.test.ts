// The pin's comparison: fields as written, mappings by content, only the pinned ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { applyPin, changedPinnedFields, pinDigest } from '../../src/sources/pinned-manifest.ts';

const PINNED =
  'processes:\n  web:\n    command: node server.js\n    count: 2\nresources:\n  memory: 256M\nenv:\n  A: "1"\n';

describe('pinned manifest', () => {
  const pin = { manifest: PINNED, fields: ['processes', 'resources'] as const };

  it('finds the pinned fields a manifest changes, and only those', () => {
    expect(changedPinnedFields({ ...pin, fields: [...pin.fields] }, PINNED)).toEqual([]);
    const reordered =
      'env:\n  A: "2"\nresources:\n  memory: 256M\nprocesses:\n  web:\n    count: 2\n    command: node server.js\n';
    expect(changedPinnedFields({ ...pin, fields: [...pin.fields] }, reordered)).toEqual([]);
    const more = PINNED.replace('count: 2', 'count: 5').replace('256M', '512M');
    expect(changedPinnedFields({ ...pin, fields: [...pin.fields] }, more)).toEqual([
      'processes',
      'resources',
    ]);
    const dropped = 'processes:\n  web:\n    command: node server.js\n    count: 2\n';
    expect(changedPinnedFields({ ...pin, fields: [...pin.fields] }, dropped)).toEqual(['resources']);
  });

  it('refuses text that is not a manifest', () => {
    try {
      changedPinnedFields({ ...pin, fields: [...pin.fields] }, 'processes: [');
      expect.unreachable();
    } catch (err) {
      expect(isBerthError(err, 'MANIFEST_INVALID')).toBe(true);
    }
  });

  it('changes its digest with the manifest and the fields', () => {
    const a = pinDigest({ ...pin, fields: [...pin.fields] });
    expect(pinDigest({ manifest: PINNED, fields: ['resources', 'processes'] })).toBe(a);
    expect(pinDigest({ manifest: PINNED, fields: ['processes'] })).not.toBe(a);
    expect(pinDigest({ manifest: `${PINNED}\n`, fields: [...pin.fields] })).not.toBe(a);
  });

  it('writes the pinned manifest into a tree without one, never through a symlink', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pin-'));
    try {
      await applyPin({ ...pin, fields: [...pin.fields] }, dir);
      expect(fs.readFileSync(path.join(dir, 'berth.yaml'), 'utf8')).toBe(PINNED);

      const other = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pin-'));
      const target = path.join(os.tmpdir(), `berth-pin-target-${process.pid}`);
      fs.symlinkSync(target, path.join(other, 'berth.yaml'));
      await expect(applyPin({ ...pin, fields: [...pin.fields] }, other)).rejects.toMatchObject({
        code: 'MANIFEST_INVALID',
      });
      expect(fs.existsSync(target)).toBe(false);
      fs.rmSync(other, { recursive: true, force: true });

      fs.writeFileSync(path.join(dir, 'berth.yaml'), PINNED.replace('count: 2', 'count: 3'));
      await expect(applyPin({ ...pin, fields: [...pin.fields] }, dir)).rejects.toMatchObject({
        code: 'MANIFEST_PINNED',
        details: { fields: ['processes'] },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
