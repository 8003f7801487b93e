// Packages that try to exhaust the disk or the machine: each is refused while streaming, after
// reading only a little of it, and leaves nothing behind.
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefused, type Sandbox, sandbox } from './sandbox.ts';
import { BLOCK, end, entry, file, header, pax, paxRecord, tar } from './tar-builder.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Counts the bytes a lazy generator has handed out, to show how little of an attack was read. */
class Meter {
  bytes = 0;
  items = 0;
  *wrap(source: Iterable<Buffer>): Generator<Buffer> {
    for (const chunk of source) {
      this.bytes += chunk.length;
      this.items++;
      yield chunk;
    }
  }
}

/** A header declaring `size` bytes, then that many zeros, produced lazily 1 MiB at a time. */
function* hugeFile(
  size: number,
  spec: Parameters<typeof header>[0] = { name: 'huge.bin' },
): Generator<Buffer> {
  yield header({ ...spec, size });
  const zeros = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= MiB) yield left >= MiB ? zeros : zeros.subarray(0, left);
  yield Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
  yield end();
}

const gzipLazily = (source: Iterable<Buffer>): Readable =>
  Readable.from(source, { objectMode: false }).pipe(zlib.createGzip({ level: 1 }));

describe('unpackPackage refuses sparse entries outright', () => {
  it('a GNU sparse entry declaring 10 GB', async () => {
    const meter = new Meter();
    const sparse = header({ name: 'sparse.img', type: 'S', format: 'gnu', size: 512, realSize: 10 * GiB });
    const data = meter.wrap([sparse, Buffer.alloc(512), end()]);
    await expectRefused(box, data, 'PACKAGE_ENTRY_FORBIDDEN');
  });

  it('a pax (GNU 1.0) sparse entry declaring 10 GB', async () => {
    const records = {
      'GNU.sparse.major': '1',
      'GNU.sparse.minor': '0',
      'GNU.sparse.name': 'sparse.img',
      'GNU.sparse.realsize': String(10 * GiB),
    };
    const data = tar(pax(records), entry({ name: 'GNUSparseFile.0/sparse.img', body: '1\n0\n512\n' }));
    await expectRefused(box, zlib.gzipSync(data), 'PACKAGE_ENTRY_FORBIDDEN');
  });

  it('a pax (GNU 0.1) sparse entry', async () => {
    const records = { 'GNU.sparse.size': String(10 * GiB), 'GNU.sparse.map': '0,512' };
    const data = tar(pax(records), file('sparse.img', 'x'.repeat(512)));
    await expectRefused(box, zlib.gzipSync(data), 'PACKAGE_ENTRY_FORBIDDEN');
  });
});

describe('unpackPackage enforces size limits before writing', () => {
  it('a file declaring 10 GB, refused after its header', async () => {
    const meter = new Meter();
    await expectRefused(box, meter.wrap(hugeFile(10 * GiB)), 'PACKAGE_TOO_LARGE');
    expect(meter.bytes).toBeLessThan(64 * MiB);
  });

  it('a file declaring 10 GB through a pax size record', async () => {
    const meter = new Meter();
    const data = meter.wrap([pax({ size: String(10 * GiB) }), ...hugeFile(10 * GiB)]);
    await expectRefused(box, data, 'PACKAGE_TOO_LARGE');
    expect(meter.bytes).toBeLessThan(64 * MiB);
  });

  it('a file over maxFileBytes', async () => {
    await expectRefused(box, zlib.gzipSync(tar(file('big', 'x'.repeat(2000)))), 'PACKAGE_TOO_LARGE', {
      maxFileBytes: 1000,
    });
  });

  it('files that add up to more than maxTotalBytes', async () => {
    const files = Array.from({ length: 10 }, (_, i) => file(`f${i}`, 'x'.repeat(1000)));
    await expectRefused(box, zlib.gzipSync(tar(...files)), 'PACKAGE_TOO_LARGE', { maxTotalBytes: 5000 });
  });

  it('an oversized pax header', async () => {
    const big = entry({ name: 'PaxHeader/x', type: 'x', body: paxRecord('comment', 'z'.repeat(300 * 1024)) });
    await expectRefused(box, zlib.gzipSync(tar(big, file('x'))), 'PACKAGE_INVALID');
  });
});

describe('unpackPackage counts every header', () => {
  it('stops a million tiny files right after maxFiles', async () => {
    const maxFiles = 500;
    const meter = new Meter();
    function* million(): Generator<Buffer> {
      for (let i = 0; i < 1_000_000; i++) yield header({ name: `f${i}`, size: 0 });
      yield end();
    }
    await expectRefused(box, meter.wrap(million()), 'PACKAGE_TOO_MANY_FILES', { maxFiles });
    // Whatever stream buffering read ahead, it is a handful of headers, not the million.
    expect(meter.items).toBeGreaterThan(maxFiles);
    expect(meter.items).toBeLessThan(maxFiles + 100);
  });

  it('stops a long chain of metadata headers', async () => {
    const chain = Array.from({ length: 20 }, () => pax({ comment: 'again' }));
    await expectRefused(box, zlib.gzipSync(tar(...chain, file('x'))), 'PACKAGE_INVALID');
  });
});

describe('unpackPackage stops gzip bombs while inflating', () => {
  it('2 GiB of zeros in one entry: refused by the ratio, after reading little', async () => {
    const meter = new Meter();
    const bomb = gzipLazily(meter.wrap(hugeFile(2 * GiB, { name: 'zeros.bin' })));
    await expectRefused(box, bomb, 'PACKAGE_RATIO_EXCEEDED', {
      maxFileBytes: 4 * GiB,
      maxTotalBytes: 4 * GiB,
    });
    expect(meter.bytes).toBeLessThan(128 * MiB);
  });

  it('2 GiB of zeros spread over many files within every size limit', async () => {
    const meter = new Meter();
    function* many(): Generator<Buffer> {
      const zeros = Buffer.alloc(MiB);
      for (let i = 0; i < 2048; i++) yield* [header({ name: `z${i}`, size: MiB }), zeros];
      yield end();
    }
    const bomb = gzipLazily(meter.wrap(many()));
    await expectRefused(box, bomb, 'PACKAGE_RATIO_EXCEEDED', {
      maxFileBytes: 4 * GiB,
      maxTotalBytes: 4 * GiB,
    });
    expect(meter.bytes).toBeLessThan(128 * MiB);
  });

  it('with the default limits, the same bomb is refused by its declared size', async () => {
    const meter = new Meter();
    await expectRefused(box, gzipLazily(meter.wrap(hugeFile(2 * GiB))), 'PACKAGE_TOO_LARGE');
    expect(meter.bytes).toBeLessThan(64 * MiB);
  });
});
