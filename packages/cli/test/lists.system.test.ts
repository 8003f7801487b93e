// The CLI's listings, in-process against a real berthd: a list longer than a page is fetched page
// after page (every item once, `--json` keeps its `{ "<name>": [...] }` shape), `--limit N` stops
// after N, and `jobs list` pages with `--cursor`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PAGE_LIMIT_DEFAULT } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { run } from '../src/run.ts';

const APPS = PAGE_LIMIT_DEFAULT + 5;

describe('CLI listings read every page', () => {
  let t: TestBerthd;
  let home = '';
  let env: Record<string, string> = {};

  async function cli(argv: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => {
      out += d;
    });
    stderr.on('data', (d) => {
      err += d;
    });
    const code = await run(argv, {
      env,
      stdin: process.stdin,
      stdout,
      stderr,
      hostname: 'test',
      version: '0.0.0-test',
    });
    return { code, stdout: out, stderr: err };
  }

  beforeAll(async () => {
    t = await startTestBerthd();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-lists-'));
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const token = await t.api('POST', '/api/v1/me/tokens', { cookie, body: { name: 'cli lists' } });
    env = { XDG_CONFIG_HOME: home, BERTH_URL: t.url, BERTH_TOKEN: token.body.secret };
    for (let i = 0; i < APPS; i++) {
      const res = await t.api('POST', '/api/v1/apps', {
        cookie,
        body: { code: `list${String(i).padStart(3, '0')}`, name: `List ${i}` },
      });
      expect(res.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('apps list --json holds every app once, in code order, past the first page', async () => {
    const res = await cli(['apps', 'list', '--json']);
    expect([res.code, res.stderr]).toEqual([0, '']);
    const body = JSON.parse(res.stdout) as { apps: { code: string }[]; nextCursor?: string };
    const codes = body.apps.map((a) => a.code);
    expect(codes).toHaveLength(APPS);
    expect(codes).toEqual([...codes].sort());
    expect(body.nextCursor).toBeUndefined();
  });

  it('--limit N lists the first N', async () => {
    const res = await cli(['apps', 'list', '--limit', '3', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).apps.map((a: { code: string }) => a.code)).toEqual([
      'list000',
      'list001',
      'list002',
    ]);
    const table = await cli(['apps', 'list', '--limit', '2']);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    const bad = await cli(['apps', 'list', '--limit', '0']);
    expect(bad.code).toBe(2);
  });

  it('jobs list pages with --cursor and says how to get the next page', async () => {
    for (let i = 0; i < 3; i++) {
      await t.berthd.jobs.enqueue('cli.lists', {}, { runAt: Date.now() + 3_600_000 });
    }
    const first = await cli(['jobs', 'list', '--kind', 'cli.lists', '--limit', '2', '--json']);
    expect(first.code).toBe(0);
    const page = JSON.parse(first.stdout) as { jobs: { id: string }[]; nextCursor: string };
    expect(page.jobs).toHaveLength(2);
    const next = await cli([
      'jobs',
      'list',
      '--kind',
      'cli.lists',
      '--limit',
      '2',
      '--cursor',
      page.nextCursor,
    ]);
    expect(next.code).toBe(0);
    expect(next.stdout.trim().split('\n')).toHaveLength(2);
    const table = await cli(['jobs', 'list', '--kind', 'cli.lists', '--limit', '2']);
    expect(table.stderr).toMatch(/More: berth jobs list --cursor \S+/);
    const bad = await cli(['jobs', 'list', '--cursor', 'nope']);
    expect(bad.stderr).toMatch(/\(INVALID_CURSOR\)/);
  });
});
