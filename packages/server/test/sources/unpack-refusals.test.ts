// Hostile packages, one refusal each: the right code, no destination, no .partial-* left behind,
// nothing written outside the destination's parent.
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { expectRefused, type Sandbox, sandbox } from './sandbox.ts';
import { dir, entry, file, gnuLong, pax, symlink, tar } from './tar-builder.ts';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const gz = (data: Buffer): Buffer => zlib.gzipSync(data);

describe('unpackPackage refuses unsafe paths', () => {
  it.each([
    ['a parent-directory escape', '../evil'],
    ['a deeper escape', 'a/../../evil'],
    ['".." that stays inside', 'a/../b'],
    ['".." via backslashes', 'a\\..\\..\\evil'],
    ['a Windows drive letter', 'C:\\evil'],
    ['a Windows drive letter with slashes', 'C:/evil'],
    ['a control character', 'bad\nname'],
  ])('%s (%j)', async (_what, name) => {
    await expectRefused(box, gz(tar(file('ok.txt', 'fine'), file(name, 'pwned'))), 'PACKAGE_PATH_UNSAFE');
  });

  it('an absolute path', async () => {
    await expectRefused(box, gz(tar(file(`${box.outer}/abs-evil`, 'pwned'))), 'PACKAGE_PATH_UNSAFE');
  });

  it('an absolute path in a pax header', async () => {
    const data = tar(pax({ path: `${box.outer}/abs-evil` }), file('innocent', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE');
  });

  it('a ".." path in a GNU long name', async () => {
    const data = tar(gnuLong('L', `${'a/'.repeat(60)}${'../'.repeat(63)}evil`), file('innocent', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE');
  });

  it('a NUL byte in a pax path', async () => {
    const data = tar(pax({ path: 'a\u0000../../evil' }), file('innocent', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE');
  });

  it('a NUL byte in a GNU long name', async () => {
    const data = tar(gnuLong('L', 'safe\u0000../../evil'), file('innocent', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE');
  });

  it('bytes hidden after the NUL of a name field', async () => {
    const rawName = Buffer.concat([Buffer.from('safe\u0000'), Buffer.from('../../evil')]);
    await expectRefused(box, gz(tar(entry({ name: '', rawName, body: 'x' }))), 'PACKAGE_PATH_UNSAFE');
  });

  it('a name that is not UTF-8', async () => {
    const rawName = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
    await expectRefused(box, gz(tar(entry({ name: '', rawName, body: 'x' }))), 'PACKAGE_PATH_UNSAFE');
  });

  it('an over-long path', async () => {
    const data = tar(pax({ path: `${'d/'.repeat(20)}${'x'.repeat(200)}` }), file('innocent'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE', { maxPathLength: 100 });
    const long = 'abcdefgh/'.repeat(120); // 1080 bytes, over the default 1024
    await expectRefused(box, gz(tar(pax({ path: long }), file('innocent'))), 'PACKAGE_PATH_UNSAFE');
  });

  it('a name longer than the filesystem allows', async () => {
    await expectRefused(
      box,
      gz(tar(pax({ path: 'x'.repeat(300) }), file('innocent'))),
      'PACKAGE_PATH_UNSAFE',
    );
  });

  it('an over-long GNU long name, before reading it', async () => {
    const data = tar(gnuLong('L', 'y'.repeat(5000)), file('innocent'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_UNSAFE');
  });

  it('a tree deeper than maxDepth', async () => {
    const deep = `${'d/'.repeat(65)}leaf`;
    await expectRefused(box, gz(tar(pax({ path: deep }), file('innocent'))), 'PACKAGE_PATH_UNSAFE');
  });
});

describe('unpackPackage refuses unsafe links', () => {
  it('a symlink to an absolute path', async () => {
    await expectRefused(box, gz(tar(symlink('etc', '/etc'))), 'PACKAGE_LINK_UNSAFE');
  });

  it('a symlink that climbs out of the tree', async () => {
    await expectRefused(box, gz(tar(dir('a/'), symlink('a/up', '../../..'))), 'PACKAGE_LINK_UNSAFE');
    await expectRefused(box, gz(tar(symlink('up', '../work'))), 'PACKAGE_LINK_UNSAFE');
  });

  it('a symlink whose target has ".." after a name (it could climb through another link)', async () => {
    // a/b -> .. points at the root; c -> a/b/.. would then point above it.
    const data = tar(dir('a/'), symlink('a/b', '..'), symlink('c', 'a/b/..'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('an absolute link target in a pax header', async () => {
    const data = tar(pax({ linkpath: '/etc/passwd' }), symlink('passwd', 'harmless'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('an escaping link target in a GNU long link', async () => {
    const data = tar(gnuLong('K', `${'../'.repeat(40)}etc`), symlink('x', 'harmless'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('a file written through an escaping symlink', async () => {
    const data = tar(symlink('a', box.outer), file('a/evil', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('a file written through a symlink that points inside', async () => {
    const data = tar(dir('sub/'), symlink('link', 'sub'), file('link/evil', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('a directory created through a symlink', async () => {
    const data = tar(symlink('here', '.'), dir('here/d/'));
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('a file replacing a symlink of the same name', async () => {
    const data = tar(dir('sub/'), symlink('link', 'sub'), file('link', 'pwned'));
    await expectRefused(box, gz(data), 'PACKAGE_PATH_CONFLICT');
  });
});

describe('unpackPackage refuses forbidden entry types', () => {
  it.each([
    ['a character device', '3', ''],
    ['a block device', '4', ''],
    ['a FIFO', '6', ''],
    ['an unknown type', 'Z', ''],
    ['a GNU volume header', 'V', ''],
  ])('%s', async (_what, type, linkname) => {
    const data = tar(file('ok.txt', 'fine'), entry({ name: 'special', type, linkname }));
    await expectRefused(box, gz(data), 'PACKAGE_ENTRY_FORBIDDEN');
  });
});

describe('unpackPackage refuses unsafe hard links', () => {
  const link = (name: string, linkname: string): Buffer => entry({ name, type: '1', linkname });

  it.each([
    ['to a file outside the package', 'etc/passwd', 'PACKAGE_LINK_UNSAFE'],
    ['to an absolute path', '/etc/passwd', 'PACKAGE_PATH_UNSAFE'],
    ['climbing with ".."', '../ok.txt', 'PACKAGE_PATH_UNSAFE'],
    ['to a directory', 'd', 'PACKAGE_LINK_UNSAFE'],
    ['to a symlink', 'sl', 'PACKAGE_LINK_UNSAFE'],
    ['to a file listed after it', 'later.txt', 'PACKAGE_LINK_UNSAFE'],
    ['to itself', 'copy', 'PACKAGE_LINK_UNSAFE'],
    ['with an empty target', '', 'PACKAGE_LINK_UNSAFE'],
  ])('%s', async (_what, linkname, code) => {
    const data = tar(
      file('ok.txt', 'fine'),
      dir('d/'),
      symlink('sl', 'ok.txt'),
      link('copy', linkname),
      file('later.txt', 'late'),
    );
    await expectRefused(box, gz(data), code);
  });

  it('written through a symlink', async () => {
    const data = tar(
      file('ok.txt', 'fine'),
      dir('sub/'),
      symlink('here', 'sub'),
      link('here/copy', 'ok.txt'),
    );
    await expectRefused(box, gz(data), 'PACKAGE_LINK_UNSAFE');
  });

  it('over a name that exists already', async () => {
    await expectRefused(
      box,
      gz(tar(file('ok.txt', 'fine'), file('b', 'b'), link('b', 'ok.txt'))),
      'PACKAGE_PATH_CONFLICT',
    );
  });

  it('with a body', async () => {
    const data = tar(
      file('ok.txt', 'fine'),
      entry({ name: 'copy', type: '1', linkname: 'ok.txt', body: 'x' }),
    );
    await expectRefused(box, gz(data), 'PACKAGE_INVALID');
  });

  it('copies that add up to more than maxTotalBytes', async () => {
    // One 1 KiB file and 9 links to it: 10 KiB once copied, over a 5,000-byte limit.
    const links = Array.from({ length: 9 }, (_, i) => link(`copy-${i}`, 'big.bin'));
    const data = tar(file('big.bin', 'x'.repeat(1024)), ...links);
    await expectRefused(box, gz(data), 'PACKAGE_TOO_LARGE', { maxTotalBytes: 5000 });
  });
});

describe('unpackPackage refuses broken archives', () => {
  const good = tar(dir('app/'), file('app/a.txt', 'x'.repeat(3000)), file('app/b.txt', 'hello'));

  it('input that is neither gzip nor tar', async () => {
    await expectRefused(
      box,
      Buffer.from('PK\u0003\u0004 this is a zip, or maybe not'.repeat(40)),
      'PACKAGE_INVALID',
    );
  });

  it('gzip of something that is not tar', async () => {
    await expectRefused(box, gz(Buffer.from('just some text\n'.repeat(100))), 'PACKAGE_INVALID');
  });

  it('an empty upload', async () => {
    await expectRefused(box, Buffer.alloc(0), 'PACKAGE_INVALID');
  });

  it('an empty archive', async () => {
    await expectRefused(box, gz(tar()), 'PACKAGE_INVALID');
  });

  it('a corrupt gzip stream', async () => {
    const data = gz(good);
    for (let i = 20; i < data.length - 20; i += 7) data[i] = data[i]! ^ 0x5a;
    await expectRefused(box, data, 'PACKAGE_INVALID');
  });

  it('a gzip stream whose CRC does not match', async () => {
    const data = gz(good);
    data[data.length - 8] = data[data.length - 8]! ^ 0xff;
    await expectRefused(box, data, 'PACKAGE_INVALID');
  });

  it('a truncated gzip stream', async () => {
    const data = gz(good);
    await expectRefused(box, data.subarray(0, data.length - 12), 'PACKAGE_INVALID');
  });

  it.each([
    ['in a body', 1024 + 1500],
    ['in a header', 1024 + 3072 + 100],
    ['at an entry boundary, with no end marker', good.length - 1024],
  ])('a truncated tar: cut %s', async (_where, length) => {
    await expectRefused(box, gz(good.subarray(0, length)), 'PACKAGE_INVALID');
    await expectRefused(box, good.subarray(0, length), 'PACKAGE_INVALID');
  });

  it('a header with a bad checksum', async () => {
    const data = tar(file('ok.txt', 'fine'), entry({ name: 'bad.txt', body: 'x', checksumDelta: 1 }));
    await expectRefused(box, gz(data), 'PACKAGE_INVALID');
  });

  it('a malformed pax header', async () => {
    const bad = entry({ name: 'PaxHeader/x', type: 'x', body: '99 path=too-short\n' });
    await expectRefused(box, gz(tar(bad, file('x'))), 'PACKAGE_INVALID');
  });

  it('a pax header not followed by an entry', async () => {
    await expectRefused(box, gz(tar(file('ok.txt'), pax({ path: 'dangling' }))), 'PACKAGE_INVALID');
  });

  it('a global pax header that renames entries', async () => {
    await expectRefused(box, gz(tar(pax({ path: 'x' }, 'g'), file('ok.txt'))), 'PACKAGE_INVALID');
  });

  it('a directory or symlink that declares a body', async () => {
    await expectRefused(box, gz(tar(entry({ name: 'd/', type: '5', body: 'x' }))), 'PACKAGE_INVALID');
  });
});

describe('unpackPackage refuses duplicate and conflicting entries', () => {
  it.each([
    ['the same file twice', [file('a.txt', '1'), file('a.txt', '2')]],
    ['the same file twice, spelled differently', [file('d/a.txt', '1'), file('./d//a.txt', '2')]],
    ['the same directory twice', [dir('d/'), dir('d/')]],
    ['a file where a directory is', [dir('d/'), file('d', 'x')]],
    ['a directory where a file is', [file('d', 'x'), dir('d/')]],
    ['a file below a file', [file('d', 'x'), file('d/e', 'y')]],
    ['a file where an implicit directory is', [file('d/e', 'y'), file('d', 'x')]],
    ['a symlink where a file is', [file('d', 'x'), symlink('d', '.')]],
  ])('%s', async (_what, entries) => {
    await expectRefused(box, gz(tar(...entries)), 'PACKAGE_PATH_CONFLICT');
  });
});
