// Good packages: what comes out, with which modes, and where the source root is. Archives come from
// the `tar` package and GNU tar (real writers) and from the test's own header builder.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import * as nodeTar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { unpackPackage } from '../../src/sources/index.ts';
import { expectNothingLeft, type Sandbox, sandbox, unpack } from './sandbox.ts';
import { dir, end, entry, file, gnuLong, header, padding, pax, symlink, tar } from './tar-builder.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const modeOf = (p: string): number => fs.lstatSync(p).mode & 0o7777;
const read = (p: string): string => fs.readFileSync(p, 'utf8');
const digest = (p: string): string => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');

/** Writes a source tree under `box.outer/src` and returns that directory. */
function sourceTree(): string {
  const src = path.join(box.outer, 'src');
  const app = path.join(src, 'myapp-1.0');
  fs.mkdirSync(path.join(app, 'lib/deep/er'), { recursive: true });
  fs.mkdirSync(path.join(app, 'bin'));
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"myapp"}');
  fs.writeFileSync(path.join(app, 'lib/run.js'), 'console.log(1)');
  fs.writeFileSync(path.join(app, 'lib/deep/er/data.bin'), crypto.randomBytes(3 * 1024 * 1024 + 17));
  fs.writeFileSync(path.join(app, 'lib', `${'long-name-'.repeat(15)}.txt`), 'long');
  fs.writeFileSync(path.join(app, 'bin/start'), '#!/bin/sh\n');
  fs.chmodSync(path.join(app, 'bin/start'), 0o755);
  fs.writeFileSync(path.join(app, 'bin/suid'), '#!/bin/sh\n');
  fs.chmodSync(path.join(app, 'bin/suid'), 0o4775);
  fs.writeFileSync(path.join(app, 'shared.txt'), 'group-writable');
  fs.chmodSync(path.join(app, 'shared.txt'), 0o666);
  fs.symlinkSync('../lib/run.js', path.join(app, 'bin/run'));
  return src;
}

function regularFileBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

function expectSourceTree(root: string, src: string): void {
  const app = path.join(src, 'myapp-1.0');
  expect(read(path.join(root, 'package.json'))).toBe('{"name":"myapp"}');
  expect(digest(path.join(root, 'lib/deep/er/data.bin'))).toBe(
    digest(path.join(app, 'lib/deep/er/data.bin')),
  );
  expect(read(path.join(root, 'lib', `${'long-name-'.repeat(15)}.txt`))).toBe('long');
  expect(modeOf(path.join(root, 'bin/start'))).toBe(0o755);
  expect(modeOf(path.join(root, 'bin/suid'))).toBe(0o755);
  expect(modeOf(path.join(root, 'shared.txt'))).toBe(0o644);
  expect(modeOf(path.join(root, 'package.json'))).toBe(0o644);
  expect(modeOf(path.join(root, 'lib/deep'))).toBe(0o755);
  expect(fs.readlinkSync(path.join(root, 'bin/run'))).toBe('../lib/run.js');
  expect(read(path.join(root, 'bin/run'))).toBe('console.log(1)');
}

describe('unpackPackage unpacks good packages', () => {
  it('a .tar.gz from the tar package: nested dirs, modes, a safe symlink, the single root', async () => {
    const src = sourceTree();
    const stream = nodeTar.create({ gzip: true, cwd: src }, ['myapp-1.0']) as unknown as Readable;
    const result = await unpack(box, Readable.from(stream, { objectMode: false }));
    expect(result.root).toBe(path.join(box.dest, 'myapp-1.0'));
    expect(result.files).toBe(7);
    expect(result.bytes).toBe(regularFileBytes(src));
    expectSourceTree(result.root, src);
    expect(fs.readdirSync(box.work)).toEqual(['app']);
    expect(modeOf(box.dest)).toBe(0o755);
  });

  it('a plain .tar with several top-level entries: the root is dest itself', async () => {
    const data = tar(file('a.txt', 'A'), dir('lib/'), file('lib/b.txt', 'B'));
    const result = await unpack(box, data);
    expect(result).toEqual({ files: 2, bytes: 2, root: box.dest });
    expect(read(path.join(box.dest, 'lib/b.txt'))).toBe('B');
  });

  it('"./"-prefixed entries, as `tar -C dir .` writes them, with one directory inside', async () => {
    const data = tar(dir('./'), dir('./app/'), file('./app/index.js', 'x'));
    const result = await unpack(box, zlib.gzipSync(data));
    expect(result.root).toBe(path.join(box.dest, 'app'));
    expect(read(path.join(box.dest, 'app/index.js'))).toBe('x');
  });

  it('a single top-level file or symlink is not a root', async () => {
    expect((await unpack(box, tar(file('only.txt', 'x')))).root).toBe(box.dest);
  });

  it('reads pax paths, GNU long names and long links, and git archive global headers', async () => {
    const longDir = `${'segment-'.repeat(20)}dir`;
    const data = tar(
      pax({ comment: '0123456789abcdef0123456789abcdef01234567' }, 'g'),
      pax({ path: `pkg/${longDir}/pax.txt`, mtime: '1700000000.5' }),
      file('ignored-short-name', 'pax'),
      gnuLong('L', `pkg/${longDir}/gnu.txt`),
      entry({ name: 'ignored', body: 'gnu', format: 'gnu' }),
      gnuLong('K', `${longDir}/gnu.txt`),
      gnuLong('L', 'pkg/link-with-long-target'),
      entry({ name: 'ignored-link', type: '2', linkname: 'short', format: 'gnu' }),
    );
    const result = await unpack(box, zlib.gzipSync(data));
    expect(result.root).toBe(path.join(box.dest, 'pkg'));
    expect(read(path.join(box.dest, 'pkg', longDir, 'pax.txt'))).toBe('pax');
    expect(read(path.join(box.dest, 'pkg', longDir, 'gnu.txt'))).toBe('gnu');
    expect(read(path.join(box.dest, 'pkg/link-with-long-target'))).toBe('gnu');
  });

  it('keeps only the owner-executable bit: setuid, sticky and group/other write are dropped', async () => {
    const data = tar(
      entry({ name: 'suid', body: 'x', mode: 0o4777 }),
      entry({ name: 'sgid', body: 'x', mode: 0o2750 }),
      entry({ name: 'plain', body: 'x', mode: 0o666 }),
      entry({ name: 'private', body: 'x', mode: 0o600 }),
      entry({ name: 'otherexec', body: 'x', mode: 0o645 }),
      dir('sticky/', 0o1777),
      dir('closed/', 0o700),
    );
    await unpack(box, data);
    const modes = Object.fromEntries(
      ['suid', 'sgid', 'plain', 'private', 'otherexec', 'sticky', 'closed'].map((n) => [
        n,
        modeOf(path.join(box.dest, n)),
      ]),
    );
    expect(modes).toEqual({
      suid: 0o755,
      sgid: 0o755,
      plain: 0o644,
      private: 0o644,
      otherexec: 0o644,
      sticky: 0o755,
      closed: 0o755,
    });
  });

  it('accepts a directory entry that follows its own contents, and symlinks to the root or up', async () => {
    const data = tar(
      file('app/src/x.js', 'x'),
      dir('app/src/'),
      dir('app/'),
      symlink('app/self', '.'),
      symlink('app/src/top', '../..'),
      symlink('app/src/up', '../src/x.js'),
    );
    const result = await unpack(box, data);
    expect(result.root).toBe(path.join(box.dest, 'app'));
    expect(read(path.join(box.dest, 'app/src/top/app/src/x.js'))).toBe('x');
    expect(read(path.join(box.dest, 'app/src/up'))).toBe('x');
  });

  it('accepts an archive ended by a single zero block and a well-compressed text under the ratio', async () => {
    const text = Buffer.from(
      Array.from({ length: 400_000 }, (_, i) => `line ${i} ${crypto.randomBytes(4).toString('hex')}\n`).join(
        '',
      ),
    );
    const data = Buffer.concat([header({ name: 'log.txt', size: text.length }), text, padding(text.length)]);
    const result = await unpack(box, zlib.gzipSync(Buffer.concat([data, Buffer.alloc(512)])));
    expect(result.bytes).toBe(text.length);
    expect(digest(path.join(box.dest, 'log.txt'))).toBe(
      crypto.createHash('sha256').update(text).digest('hex'),
    );
  });
});

const hasGnuTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU tar') ?? false;

describe('unpackPackage and hard links', () => {
  it('writes a hard link as a separate copy of the file it names', async () => {
    const data = tar(
      dir('app/'),
      file('app/run.sh', '#!/bin/sh\necho hi\n', 0o755),
      entry({ name: 'app/bin/run-copy', type: '1', linkname: 'app/run.sh' }),
      file('app/readme', 'r'),
    );
    const result = await unpack(box, zlib.gzipSync(data));
    const original = path.join(result.root, 'run.sh');
    const copy = path.join(result.root, 'bin/run-copy');
    expect(read(copy)).toBe('#!/bin/sh\necho hi\n');
    expect(modeOf(copy)).toBe(0o755);
    expect(fs.statSync(copy).ino).not.toBe(fs.statSync(original).ino);
    expect(fs.statSync(original).nlink).toBe(1);
    expect(result.files).toBe(3);
    // Writing the copy leaves the original alone.
    fs.writeFileSync(copy, 'changed');
    expect(read(original)).toBe('#!/bin/sh\necho hi\n');
  });

  it.skipIf(!hasGnuTar)(
    'unpacks what GNU tar writes for a hard-linked file, pnpm-style (needs GNU tar)',
    async () => {
      const src = path.join(box.outer, 'linked');
      fs.mkdirSync(path.join(src, 'app/store'), { recursive: true });
      fs.writeFileSync(path.join(src, 'app/store/lib.js'), 'module.exports = 1;');
      fs.mkdirSync(path.join(src, 'app/node_modules'));
      fs.linkSync(path.join(src, 'app/store/lib.js'), path.join(src, 'app/node_modules/lib.js'));
      const archive = path.join(box.outer, 'linked.tar.gz');
      const run = spawnSync('tar', ['-czf', archive, '-C', src, 'app']);
      expect(run.status, String(run.stderr)).toBe(0);
      const result = await unpack(box, fs.readFileSync(archive));
      expect(read(path.join(result.root, 'node_modules/lib.js'))).toBe('module.exports = 1;');
      expect(read(path.join(result.root, 'store/lib.js'))).toBe('module.exports = 1;');
    },
  );
});

describe('unpackPackage and GNU tar', () => {
  it.skipIf(!hasGnuTar)('unpacks what GNU tar writes in gnu and pax formats (needs GNU tar)', async () => {
    const src = sourceTree();
    for (const format of ['gnu', 'pax']) {
      const archive = path.join(box.outer, `pkg-${format}.tar.gz`);
      const run = spawnSync('tar', [`--format=${format}`, '-czf', archive, '-C', src, 'myapp-1.0']);
      expect(run.status).toBe(0);
      const dest = path.join(box.work, format);
      const result = await unpackPackage(fs.createReadStream(archive), dest);
      expect(result.root).toBe(path.join(dest, 'myapp-1.0'));
      expectSourceTree(result.root, src);
    }
  });

  it.skipIf(!hasGnuTar)('refuses the sparse entries GNU tar writes for files with holes', async () => {
    const src = path.join(box.outer, 'src');
    fs.mkdirSync(src);
    const fd = fs.openSync(path.join(src, 'holes.img'), 'w');
    fs.writeSync(fd, 'data', 64 * 1024 * 1024);
    fs.closeSync(fd);
    for (const format of ['gnu', 'pax']) {
      const archive = path.join(box.outer, `sparse-${format}.tar`);
      expect(
        spawnSync('tar', [`--format=${format}`, '--sparse', '-cf', archive, '-C', src, '.']).status,
      ).toBe(0);
      let caught: unknown;
      await unpackPackage(fs.createReadStream(archive), box.dest).catch((err) => {
        caught = err;
      });
      expect(isBerthError(caught, 'PACKAGE_ENTRY_FORBIDDEN')).toBe(true);
      fs.rmSync(archive);
    }
    fs.rmSync(src, { recursive: true });
    expectNothingLeft(box);
  });
});

describe('unpackPackage reads real streams', () => {
  it('detects gzip when the first chunk holds a single byte', async () => {
    const gz = zlib.gzipSync(tar(file('a.txt', 'A')));
    const result = await unpack(box, [gz.subarray(0, 1), gz.subarray(1, 5), gz.subarray(5)]);
    expect(result.files).toBe(1);
    expect(read(path.join(box.dest, 'a.txt'))).toBe('A');
  });

  it('unpacks an upload arriving over loopback HTTP in small chunks, and refuses a hostile one', async () => {
    const outcomes: Array<Promise<unknown>> = [];
    const server = http.createServer((req, res) => {
      const dest = path.join(box.work, String(outcomes.length));
      const outcome = unpackPackage(req, dest).then(
        (r) => {
          res.end(JSON.stringify(r));
          return r;
        },
        (err: unknown) => {
          res.statusCode = 400;
          res.end();
          return err;
        },
      );
      outcomes.push(outcome);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const upload = async (data: Buffer): Promise<void> => {
      async function* dribble(): AsyncGenerator<Buffer> {
        for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
      }
      await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: Readable.toWeb(Readable.from(dribble())) as ReadableStream,
        duplex: 'half',
      } as RequestInit).catch(() => undefined); // a refused upload may see its connection closed
    };
    try {
      const src = sourceTree();
      const good = await nodeTar.create({ gzip: true, cwd: src }, ['myapp-1.0']).concat();
      await upload(good);
      await upload(zlib.gzipSync(tar(file('ok.txt'), file('../escape', 'pwned'))));
      const [first, second] = await Promise.all(outcomes);
      expect(first).toMatchObject({ files: 7, root: path.join(box.work, '0', 'myapp-1.0') });
      expectSourceTree(path.join(box.work, '0', 'myapp-1.0'), src);
      expect(isBerthError(second, 'PACKAGE_PATH_UNSAFE')).toBe(true);
      expect(fs.readdirSync(box.work)).toEqual(['0']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('unpackPackage cleans up', () => {
  it('works in a sibling .partial-* directory and removes it when aborted', async () => {
    const controller = new AbortController();
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.concat([dir('app/'), file('app/a.txt', 'a')]);
      await stalled; // the upload stalls here
      yield end();
    }
    const running = unpackPackage(Readable.from(slow(), { objectMode: false }), box.dest, {
      signal: controller.signal,
    });
    const outcome = running.then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    await expect
      .poll(() => fs.readdirSync(box.work).join(','), { timeout: 10_000 })
      .toMatch(/^app\.partial-[0-9a-f]{16}$/);
    const partial = path.join(box.work, fs.readdirSync(box.work)[0]!);
    await expect.poll(() => fs.existsSync(path.join(partial, 'app/a.txt')), { timeout: 10_000 }).toBe(true);
    controller.abort();
    expect(await outcome).toBe('AbortError');
    release();
    expectNothingLeft(box);
  });

  it('stops waiting for a silent upload when aborted', async () => {
    const controller = new AbortController();
    const silent = new PassThrough();
    const running = unpackPackage(silent, box.dest, { signal: controller.signal });
    await expect.poll(() => fs.readdirSync(box.work).length, { timeout: 10_000 }).toBe(1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(silent.destroyed).toBe(true);
    expectNothingLeft(box);
  });

  it('refuses to unpack over an existing destination and leaves it alone', async () => {
    fs.mkdirSync(box.dest);
    fs.writeFileSync(path.join(box.dest, 'keep.txt'), 'mine');
    await expect(unpack(box, tar(file('a.txt', 'A')))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(fs.readdirSync(box.work)).toEqual(['app']);
    expect(fs.readdirSync(box.dest)).toEqual(['keep.txt']);
  });
});
