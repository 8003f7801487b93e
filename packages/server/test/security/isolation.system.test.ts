// Attacks of a hosted developer on the process runtime's isolation, against a real berthd running as
// root (apps and builds under users of their own), each kept as a test (issue 10, items 1, 3–8):
//   - a build leaves a process behind that swaps files and directories of its output for links to
//     root's secrets, in a loop, while the gateway serves and berthd deploys (1, 4, 5);
//   - two apps whose codes mapped to one Unix user under the old naming (3);
//   - an app writes, chmods and plants files in its own release (6);
//   - promote: prod runs from a tree and a home of its own (7);
//   - deleting an app leaves nothing: processes, home, users; a re-created code starts empty (8).
// The bystander side of item 7 (deploys never disturb other apps) is in engine/zero-downtime.system.test.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupHostUser, processesOfUid } from '../../src/tenants/index.ts';
import { type EngineFixture, packDir, packFiles, startEngineFixture } from '../engine/support.ts';

const isRoot = process.getuid?.() === 0;
const PROBE = path.join(import.meta.dirname, 'fixtures', 'probe');
const LEAVE_BEHIND = fs.readFileSync(path.join(PROBE, 'leave-behind.js'), 'utf8');
const SECRET = `TOP SECRET ${crypto.randomBytes(8).toString('hex')}`;

/** Every process of `uid` is gone (the kernel may need a moment to reap them). */
async function noProcessesOf(uid: number): Promise<number[]> {
  for (let i = 0; i < 20 && processesOfUid(uid).length > 0; i++) await sleep(50);
  return processesOfUid(uid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** mode, owner and group of a path (without following a link). */
function ownership(p: string): string {
  const s = fs.lstatSync(p);
  return `${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`;
}

describe.runIf(isRoot)('isolation attacks against a real berthd', () => {
  let f: EngineFixture;
  let vault: string;
  let secretFile: string;
  const marker = path.join(os.tmpdir(), `berth-leftover-${crypto.randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    f = await startEngineFixture();
    // What a hostile build would like to reach: a root-only directory and file of the host.
    vault = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vault-'));
    fs.chmodSync(vault, 0o700);
    secretFile = path.join(vault, 'secret.txt');
    fs.writeFileSync(secretFile, SECRET, { mode: 0o600 });
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
    fs.rmSync(vault, { recursive: true, force: true });
    fs.rmSync(marker, { force: true });
  }, 60_000);

  const appGet = async (p: string) => f.get(p);
  const whoami = async (prefix: string) => JSON.parse((await appGet(`${prefix}/whoami`)).text);
  const probe = async (prefix: string, what: string, target: string) =>
    JSON.parse((await appGet(`${prefix}/${what}?path=${encodeURIComponent(target)}`)).text);

  /** A static site whose build leaves a process behind that attacks the build output. */
  const hostileSite = (n: number) =>
    packFiles({
      'berth.yaml': [
        'runtime: static',
        'build: node leave-behind.js',
        'static:',
        '  root: public',
        'env:',
        `  TARGET_FILE: ${secretFile}`,
        `  TARGET_DIR: ${vault}`,
        `  MARKER: ${marker}`,
        '',
      ].join('\n'),
      'leave-behind.js': LEAVE_BEHIND,
      'public/index.html': `<h1>site ${n}</h1>`,
    });

  it('kills what a build leaves behind, seals its output without following its links, never serves a secret', async () => {
    await f.createApp('hsite');
    const tenants = f.t.berthd.tenants!;
    const before = { vault: ownership(vault), secret: ownership(secretFile) };
    const served: string[] = [];
    let serving = true;
    // The gateway serves the site without pause (from the first release on) while berthd deploys
    // it again and again.
    let first: () => void;
    const firstServed = new Promise<void>((resolve) => {
      first = resolve;
    });
    const reader = (async () => {
      await firstServed;
      while (serving) {
        for (const p of ['/t/hsite/big.bin', '/t/hsite/sub/page.html', '/t/hsite/link-out', '/t/hsite/']) {
          const res = await appGet(p);
          served.push(res.text);
        }
      }
    })();
    try {
      for (let n = 1; n <= 3; n++) {
        const deploy = await f.deploy('hsite', 'stag', await hostileSite(n));
        const outDir = path.join(f.t.dataDir, 'releases', 'hsite', 'stag', `v${deploy.release}`);
        const leftover = Number(fs.readFileSync(path.join(outDir, 'leftover.pid'), 'utf8'));
        expect(await f.logsOf(deploy.id)).toContain(`left a process behind: ${leftover}`);
        // The process was killed with the build step; nothing of the build identity runs.
        expect(alive(leftover)).toBe(false);
        const builder = await tenants.build('hsite', 'stag');
        expect(await noProcessesOf(builder.uid)).toEqual([]);
        // The output is root's and read-only; the links it planted are still links, their targets
        // untouched; the gateway (a different group) may enter, nobody else.
        const top = fs.statSync(outDir);
        expect([top.uid, top.gid, top.mode & 0o777]).toEqual([0, (await tenants.gateway()).gid, 0o750]);
        // (What the leftover swapped before it was killed is the build's own output: a file it
        // replaced is a link now, sealed as a link, or gone.)
        for (const file of ['public/big.bin', 'public/sub', 'public/sub/page.html', 'leave-behind.js']) {
          const stat = fs.lstatSync(path.join(outDir, file), { throwIfNoEntry: false });
          if (stat) expect([stat.uid, stat.isSymbolicLink() || (stat.mode & 0o022) === 0]).toEqual([0, true]);
        }
        expect(fs.lstatSync(path.join(outDir, 'planted-dir-link')).isSymbolicLink()).toBe(true);
        expect(fs.lstatSync(path.join(outDir, 'planted-file-link')).isSymbolicLink()).toBe(true);
        expect({ vault: ownership(vault), secret: ownership(secretFile) }).toEqual(before);
        first!();
      }
      // The killed processes write their marker no more.
      const mark = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '';
      await sleep(300);
      expect(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe(mark);
    } finally {
      serving = false;
      first!();
      await reader;
    }
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((text) => text.includes('TOP SECRET'))).toEqual([]);
    // Served files are the build's bytes or nothing.
    const unexpected = served.filter(
      (text) =>
        !['a'.repeat(512 * 1024), 'page', 'Not Found\n'].includes(text) && !text.startsWith('<h1>site'),
    );
    expect(unexpected.map((text) => text.slice(0, 200))).toEqual([]);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe(SECRET);
  }, 240_000);

  it('gives two apps whose codes shared a Unix user under the old naming users of their own', async () => {
    // Old naming: `berth-{code}`, or for codes over 26 characters the first 19, a dash and 6 hex
    // digits of the code's hash — which a short code could spell out.
    const long = 'collide'.padEnd(30, 'x');
    const hash = crypto.createHash('sha256').update(long).digest('hex').slice(0, 6);
    const crafted = `${long.slice(0, 19)}-${hash}`;
    const pkg = await packDir(PROBE);
    for (const code of [long, crafted]) {
      await f.createApp(code);
      await f.deploy(code, 'stag', pkg);
    }
    const a = await whoami(`/t/${long}`);
    const b = await whoami(`/t/${crafted}`);
    expect(a.uid).not.toBe(b.uid);
    expect(a.gid).not.toBe(b.gid);
    const users = [await lookupHostUser(a.uid), await lookupHostUser(b.uid)];
    for (const user of users)
      expect(user?.name).toMatch(new RegExp(`^berth-${f.t.berthd.installation}-\\d+$`));
    // b cannot read a's environment (its app secret) nor its home.
    const environ = await probe(`/t/${crafted}`, 'read', `/proc/${a.pid}/environ`);
    expect(environ).toEqual({ ok: false, code: 'EACCES' });
    expect(await probe(`/t/${long}`, 'write', path.join(a.home, 'mine.txt'))).toEqual({ ok: true });
    expect(await probe(`/t/${crafted}`, 'read', path.join(a.home, 'mine.txt'))).toEqual({
      ok: false,
      code: 'EACCES',
    });
  }, 120_000);

  it("keeps an app's release read-only to it: no writes, no chmod, no planted files", async () => {
    await f.createApp('ro');
    await f.deploy('ro', 'stag', await packDir(PROBE));
    const me = await whoami('/t/ro');
    expect(await probe('/t/ro', 'write', path.join(me.cwd, 'server.js'))).toEqual({
      ok: false,
      code: 'EACCES',
    });
    expect(await probe('/t/ro', 'write', path.join(me.cwd, 'planted.js'))).toEqual({
      ok: false,
      code: 'EACCES',
    });
    expect(await probe('/t/ro', 'chmod', path.join(me.cwd, 'server.js'))).toEqual({
      ok: false,
      code: 'EPERM',
    });
    expect(await probe('/t/ro', 'chmod', me.cwd)).toEqual({ ok: false, code: 'EPERM' });
    // Writable state lives in HOME, which is the app's own.
    expect(await probe('/t/ro', 'write', path.join(me.home, 'state.txt'))).toEqual({ ok: true });
    // A restart runs the same, unchanged files.
    const res = await f.api('POST', '/api/v1/apps/ro/envs/stag/restart');
    expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    expect(fs.existsSync(path.join(me.cwd, 'planted.js'))).toBe(false);
  }, 120_000);

  it('runs a promoted release in a tree and a home of its own, which stag cannot reach', async () => {
    await f.createApp('envs');
    await f.deploy('envs', 'stag', await packDir(PROBE));
    const res = await f.api('POST', '/api/v1/apps/envs/promote', {});
    expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    const stag = await whoami('/t/envs');
    const prod = await whoami('/o/envs');
    expect(prod.cwd).not.toBe(stag.cwd);
    expect(prod.home).not.toBe(stag.home);
    expect(prod.uid).not.toBe(stag.uid);
    // Data POSTed on stag does not appear in prod; stag cannot reach prod's files at all.
    expect(await probe('/t/envs', 'write', path.join(stag.home, 'data.txt'))).toEqual({ ok: true });
    expect(await probe('/o/envs', 'read', path.join(prod.home, 'data.txt'))).toMatchObject({ ok: false });
    expect(await probe('/t/envs', 'read', path.join(prod.cwd, 'server.js'))).toEqual({
      ok: false,
      code: 'EACCES',
    });
    expect(await probe('/t/envs', 'write', path.join(prod.home, 'x.txt'))).toEqual({
      ok: false,
      code: 'EACCES',
    });
  }, 120_000);

  it('deletes everything an app had: its processes, home and users; the code starts empty again', async () => {
    await f.createApp('gone');
    await f.deploy('gone', 'stag', await packDir(PROBE));
    const old = await whoami('/t/gone');
    const left = JSON.parse((await appGet('/t/gone/leave')).text) as { pid: number };
    expect(alive(left.pid)).toBe(true);
    expect(await probe('/t/gone', 'write', path.join(old.home, 'old-data.txt'))).toEqual({ ok: true });
    const builder = await f.t.berthd.tenants!.build('gone', 'stag');

    expect((await f.api('DELETE', '/api/v1/apps/gone')).status).toBe(204);
    expect(alive(left.pid)).toBe(false);
    expect(await noProcessesOf(old.uid)).toEqual([]);
    expect(fs.existsSync(old.home)).toBe(false);
    expect(await lookupHostUser(old.uid)).toBeUndefined();
    expect(await lookupHostUser(builder.uid)).toBeUndefined();

    await f.createApp('gone');
    await f.deploy('gone', 'stag', await packDir(PROBE));
    const again = await whoami('/t/gone');
    expect(again.uid).not.toBe(old.uid);
    expect(again.home).not.toBe(old.home);
    expect(await probe('/t/gone', 'read', path.join(again.home, 'old-data.txt'))).toMatchObject({
      ok: false,
    });
    expect(await probe('/t/gone', 'read', path.join(old.home, 'old-data.txt'))).toMatchObject({ ok: false });
  }, 120_000);
});
