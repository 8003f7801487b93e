// Hostile packages sent through the deploy API: each deploy fails with the unpacker's code, the
// previous release keeps serving, and nothing of the package is left in the data dir or outside it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dir, entry, file, header, symlink, tar } from '../sources/tar-builder.ts';
import { type EngineFixture, EXAMPLES, packDir, startEngineFixture } from './support.ts';

const GiB = 1024 ** 3;
const escapeMarker = path.join(os.tmpdir(), `berth-escape-${crypto.randomBytes(4).toString('hex')}`);

const gz = (raw: Buffer): Buffer => zlib.gzipSync(raw);

/** A gzip stream of `count` tiny files, produced without holding the tar in memory. */
async function manyFiles(count: number): Promise<Buffer> {
  function* blocks() {
    // Batches of entries: a million one-entry chunks would cost more in stream overhead than in gzip.
    for (let i = 0; i < count; i += 1000) {
      const batch: Buffer[] = [];
      for (let j = i; j < Math.min(count, i + 1000); j++) batch.push(file(`f/${j}.txt`, 'x'));
      yield Buffer.concat(batch);
    }
    yield Buffer.alloc(1024);
  }
  return streamToBuffer(Readable.from(blocks()).pipe(zlib.createGzip({ level: 1 })));
}

/** A gzip bomb: one entry declaring 1 GiB of zeros, compressed on the fly. */
async function zeroBomb(): Promise<Buffer> {
  const size = GiB;
  function* blocks() {
    yield header({ name: 'zeros.bin', size });
    const chunk = Buffer.alloc(1024 * 1024);
    for (let done = 0; done < size; done += chunk.length) yield chunk;
    yield Buffer.alloc(1024);
  }
  return streamToBuffer(Readable.from(blocks()).pipe(zlib.createGzip({ level: 9 })));
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('hostile packages through the deploy API', () => {
  let f: EngineFixture;
  const code = 'hostile';
  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    await f.createApp(code);
    await f.deploy(code, 'stag', await packDir(path.join(EXAMPLES, 'node-hello')));
  }, 120_000);
  afterAll(async () => {
    fs.rmSync(escapeMarker, { force: true });
    await f?.stop();
  }, 60_000);

  const cases: Array<[string, () => Promise<Buffer> | Buffer, string]> = [
    ['path traversal', () => gz(tar(file('../../../../escape.txt', 'x'))), 'PACKAGE_PATH_UNSAFE'],
    ['an absolute path', () => gz(tar(file(escapeMarker, 'x'))), 'PACKAGE_PATH_UNSAFE'],
    [
      'a symlink escaping the tree, then a write through it',
      () =>
        gz(tar(symlink('out', path.dirname(escapeMarker)), file(`out/${path.basename(escapeMarker)}`, 'x'))),
      'PACKAGE_LINK_UNSAFE',
    ],
    [
      'a device file',
      () => gz(tar(dir('dev/'), entry({ name: 'dev/sda', type: '3' }))),
      'PACKAGE_ENTRY_FORBIDDEN',
    ],
    [
      'a sparse 10 GB file',
      () => gz(tar(header({ name: 'disk.img', type: 'S', format: 'gnu', size: 0, realSize: 10 * GiB }))),
      'PACKAGE_ENTRY_FORBIDDEN',
    ],
    ['a million tiny files', () => manyFiles(1_000_000), 'PACKAGE_TOO_MANY_FILES'],
    ['a gzip bomb', zeroBomb, 'PACKAGE_'],
    ['not an archive at all', () => Buffer.from('#!/bin/sh\nrm -rf /\n'), 'PACKAGE_INVALID'],
  ];

  it.each(cases)(
    'refuses %s and keeps serving the previous release',
    async (_name, make, expected) => {
      const pkg = await make();
      const created = await f.upload(code, 'stag', pkg);
      const done = await f.waitDeploy(created.id);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toContain(expected);

      // The previous release still serves, and is still the current one.
      const page = await f.get(`/t/${code}/`);
      expect(page.status).toBe(200);
      const releases = await f.api('GET', `/api/v1/apps/${code}/envs/stag/releases`);
      expect(releases.body.releases.find((r: { current: boolean }) => r.current).version).toBe(1);

      // Nothing of the package is left: no spooled upload, no unpack dir, no release dir.
      const dataDir = f.t.dataDir;
      expect(fs.existsSync(path.join(dataDir, 'packages', `${created.id}.tar.gz`))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'tmp', created.id))).toBe(false);
      const kept = fs.readdirSync(path.join(dataDir, 'releases', code, 'stag'));
      expect(kept).toEqual(['v1']);
      // And nothing was written outside the data dir.
      expect(fs.existsSync(escapeMarker)).toBe(false);
      expect(fs.existsSync(path.join(dataDir, '..', 'escape.txt'))).toBe(false);
    },
    120_000,
  );
});
