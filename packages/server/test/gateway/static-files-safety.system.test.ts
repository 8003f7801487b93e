// Static files served by a process that may run as root from a tree the app's user can write: files
// and directories swapped for symbolic links (once, and in a loop by another process while requests
// are served) never get anything outside the root served; a cached large file keeps serving what was
// checked; FIFOs do not block; files of another owner, dotfiles and the manifest are refused; no
// descriptor is leaked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles, type StaticFiles, type StaticSite } from '../../src/gateway/static-files.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { getBytes, startSwapper, waitFor } from './support.ts';

const SECRET = 'TOP-SECRET';

/** A logger whose warnings are kept, to see what was refused and why. */
function recordingLogger(): { logger: Logger; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = createLogger('warn', {
    write(line: string) {
      warnings.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, warnings };
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('static files against a hostile tree', () => {
  let dir: string;
  let outside: string;
  let server: http.Server | undefined;
  let base = '';
  let files: StaticFiles;

  const serveWith = async (options: Parameters<typeof createStaticFiles>[0], site: () => StaticSite) => {
    files = createStaticFiles(options);
    server = http.createServer((req, res) => {
      void files.serve(site(), req.url ?? '/', req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  const write = (file: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  const makeSite = (name: string, extra: Record<string, string | Buffer> = {}): StaticSite => {
    const root = path.join(dir, name);
    write(path.join(root, 'index.html'), 'home');
    write(path.join(root, 'small.txt'), 'small-ok');
    write(path.join(root, 'big.bin'), Buffer.alloc(300 * 1024, 'b'));
    write(path.join(root, 'sub', 'page.txt'), 'sub-ok');
    for (const [file, content] of Object.entries(extra)) write(path.join(root, file), content);
    return { root, index: 'index.html', spa: false };
  };

  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-static-safety-')));
    outside = path.join(dir, 'outside');
    write(path.join(outside, 'secret.txt'), SECRET);
    write(path.join(outside, 'big-secret.bin'), Buffer.from(SECRET.repeat(40_000)));
    write(path.join(outside, 'sub', 'page.txt'), SECRET);
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    server = undefined;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps serving the checked bytes of a cached large file after it was swapped for a link', async () => {
    const site = makeSite('swap-once');
    await serveWith({}, () => site);
    const first = Buffer.from(await (await fetch(`${base}/big.bin`)).arrayBuffer());
    expect(first.equals(Buffer.alloc(300 * 1024, 'b'))).toBe(true);

    const big = path.join(site.root, 'big.bin');
    fs.rmSync(big);
    fs.symlinkSync(path.join(outside, 'big-secret.bin'), big);
    const again = await fetch(`${base}/big.bin`);
    const body = Buffer.from(await again.arrayBuffer());
    expect(again.status).toBe(200);
    expect(body.includes(SECRET)).toBe(false);
    expect(body.equals(first)).toBe(true);
    expect(files.stats().openFiles).toBe(1);
  });

  it('refuses links that lead out of the root, at the last component or in a directory', async () => {
    const site = makeSite('links');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(site.root, 'leak.txt'));
    fs.symlinkSync(outside, path.join(site.root, 'escape'));
    fs.symlinkSync(path.join(site.root, 'small.txt'), path.join(site.root, 'alias.txt'));
    const { logger, warnings } = recordingLogger();
    await serveWith({ logger }, () => site);
    for (const p of ['/leak.txt', '/escape/secret.txt', '/escape/sub/page.txt', '/escape/']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text(), p).not.toContain(SECRET);
    }
    // A link that stays inside the root is followed.
    expect(await (await fetch(`${base}/alias.txt`)).text()).toBe('small-ok');
    expect(warnings.map((w) => w['reason'])).toContain('outside-root');
  });

  it('never serves anything outside the root while another process swaps files and directories for links', async () => {
    const site = makeSite('race');
    // maxEntries 1: the three paths below keep evicting each other, so every request opens again.
    await serveWith({ maxEntries: 1 }, () => site);
    const swapper = startSwapper(site.root, [
      ['small.txt', path.join(outside, 'secret.txt')],
      ['big.bin', path.join(outside, 'big-secret.bin')],
      ['sub', path.join(outside, 'sub')],
    ]);
    const seen = { ok: 0, missing: 0 };
    const expected: Record<string, Buffer> = {
      '/small.txt': Buffer.from('small-ok'),
      '/big.bin': Buffer.alloc(300 * 1024, 'b'),
      '/sub/page.txt': Buffer.from('sub-ok'),
    };
    const agent = new http.Agent({ keepAlive: true });
    try {
      await waitFor(() => swapper.swaps() > 10, 10_000);
      const until = Date.now() + 3_000;
      while (Date.now() < until || seen.ok < 50) {
        for (const [p, good] of Object.entries(expected)) {
          const res = await getBytes(`${base}${p}`, { agent });
          expect(res.body.includes(SECRET), `${p} served a file outside the root`).toBe(false);
          if (res.status === 200) {
            expect(res.body.equals(good), p).toBe(true);
            seen.ok++;
          } else {
            expect(res.status).toBe(404);
            seen.missing++;
          }
        }
      }
    } finally {
      agent.destroy();
      await swapper.stop();
    }
    // The requests met the tree in both states, many times.
    expect(seen.ok).toBeGreaterThan(10);
    expect(swapper.swaps()).toBeGreaterThan(100);
  }, 60_000);

  it('does not block on a FIFO and refuses files of another owner', async () => {
    const site = makeSite('special');
    execFileSync('mkfifo', [path.join(site.root, 'pipe.txt')]);
    const { logger, warnings } = recordingLogger();
    let owner: number | undefined = 4_000_000;
    await serveWith({ logger }, () => (owner === undefined ? site : { ...site, owner }));

    const fifo = await fetch(`${base}/pipe.txt`, { signal: AbortSignal.timeout(5_000) });
    expect(fifo.status).toBe(404);
    const foreign = await fetch(`${base}/small.txt`);
    expect(foreign.status).toBe(404);
    expect(warnings.map((w) => w['reason'])).toEqual(expect.arrayContaining(['not-regular', 'wrong-owner']));

    owner = fs.statSync(path.join(site.root, 'small.txt')).uid;
    expect(await (await fetch(`${base}/small.txt`)).text()).toBe('small-ok');
  });

  it('refuses dotfiles and the manifest unless the site allows dotfiles, and always serves .well-known', async () => {
    const site = makeSite('dots', {
      '.env': `DB_PASSWORD=${SECRET}`,
      '.git/config': SECRET,
      'berth.yaml': `env: { KEY: ${SECRET} }`,
      '.well-known/security.txt': 'contact: x',
      'a/.hidden/b.txt': SECRET,
    });
    let allow = false;
    await serveWith({}, () => ({ ...site, dotfiles: allow }));
    for (const p of [
      '/.env',
      '/.git/config',
      '/%2egit/config',
      '/a/.hidden/b.txt',
      '/berth.yaml',
      '/./.env',
    ]) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text(), p).not.toContain(SECRET);
    }
    expect(await (await fetch(`${base}/.well-known/security.txt`)).text()).toBe('contact: x');
    allow = true;
    expect(await (await fetch(`${base}/.env`)).text()).toContain('DB_PASSWORD');
    expect((await fetch(`${base}/berth.yaml`)).status).toBe(404);
  });

  it('closes the descriptors it no longer needs', async () => {
    const site = makeSite('fds', { 'big2.bin': Buffer.alloc(300 * 1024, 'c') });
    await serveWith({ maxOpenFiles: 1 }, () => site);
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      for (const p of ['/big.bin', '/big2.bin', '/small.txt', '/missing', '/sub/']) {
        await (await fetch(`${base}${p}`)).arrayBuffer();
      }
    }
    // One large file cached at a time; its descriptor is the only one left.
    expect(files.stats().openFiles).toBe(1);
    files.retain(new Set());
    expect(files.stats()).toEqual({ entries: 0, bytes: 0, openFiles: 0 });
    // Responses release theirs once sent; nothing stays open.
    await waitFor(() => openFds() <= before);
  });
});
