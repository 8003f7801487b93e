// The zero-downtime scenario, shared by the runtimes' suites (zero-downtime.system.test.ts on the
// process runtime with both gateways, zero-downtime-swarm.docker.test.ts on Swarm): keep-alive
// clients request the app through the gateway without pause while it is deployed 10 times (each
// build a real `npm ci` of a packed dependency) and rolled back 5 times — and, beside it, two
// bystander apps (a Node.js app and a static site) that nobody deploys. Not one request may fail,
// to any of the three, and the bystanders' files must not change.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { expect } from 'vitest';
import { type EngineFixture, type LoadResult, packFiles, steadyLoad, tinyApp } from './support.ts';

/** A packed npm dependency (what `npm pack` makes), so that `npm ci` really installs something. */
async function packedDependency(): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dep-'));
  try {
    fs.mkdirSync(path.join(dir, 'package'));
    fs.writeFileSync(
      path.join(dir, 'package', 'package.json'),
      JSON.stringify({ name: 'local-dep', version: '1.0.0', main: 'index.js' }),
    );
    fs.writeFileSync(path.join(dir, 'package', 'index.js'), "module.exports = 'dep';\n");
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c({ gzip: true, cwd: dir, portable: true }, [
      'package',
    ]) as AsyncIterable<Buffer>)
      chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** tinyApp, plus a package-lock with a packed dependency the build installs with `npm ci`. */
async function appWithDependency(text: string, dependency: Buffer): Promise<Buffer> {
  const spec = 'file:deps/local-dep-1.0.0.tgz';
  const manifest = { name: 'tiny', version: '1.0.0', private: true, dependencies: { 'local-dep': spec } };
  return tinyApp({
    text,
    extra: {
      'package.json': JSON.stringify(manifest),
      'package-lock.json': JSON.stringify({
        name: 'tiny',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'tiny', version: '1.0.0', dependencies: { 'local-dep': spec } },
          'node_modules/local-dep': { version: '1.0.0', resolved: spec },
        },
      }),
      'deps/local-dep-1.0.0.tgz': dependency,
    },
  });
}

/** Every path under `dir` with its mode, owner and group (links not followed). */
function treeState(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      const s = fs.lstatSync(p);
      out.push(`${path.relative(dir, p)} ${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`);
      if (entry.isDirectory()) walk(p);
    }
  };
  const top = fs.lstatSync(dir);
  out.push(`. ${(top.mode & 0o7777).toString(8)} ${top.uid}:${top.gid}`);
  walk(dir);
  return out.sort();
}

/** The apps the scenario creates in the fixture before it runs. */
export const ZERO_DOWNTIME_APPS = ['zd', 'zdnode', 'zdsite'];

/** Runs the scenario against a berthd that has the apps ZERO_DOWNTIME_APPS. */
export async function zeroDowntimeScenario(f: EngineFixture): Promise<void> {
  const dependency = await packedDependency();
  await f.deploy('zdnode', 'stag', await tinyApp({ text: 'bystander' }));
  await f.deploy('zdsite', 'stag', await packFiles({ 'index.html': 'static bystander' }));
  await f.deploy('zd', 'stag', await appWithDependency('r0', dependency));
  const bystanderTrees = ['zdnode', 'zdsite'].map((code) =>
    path.join(f.t.dataDir, 'releases', code, 'stag', 'v1'),
  );
  const before = bystanderTrees.map(treeState);
  const loads = [
    steadyLoad(`${f.t.appsUrl}/t/zd/`, /^r\d+ v\d+$/),
    steadyLoad(`${f.t.appsUrl}/t/zdnode/`, /^bystander v1$/, 2),
    steadyLoad(`${f.t.appsUrl}/t/zdsite/`, /^static bystander$/, 2),
  ];
  let results: LoadResult[];
  try {
    for (let i = 1; i <= 10; i++) {
      const deploy = await f.deploy('zd', 'stag', await appWithDependency(`r${i}`, dependency));
      if (i === 1) expect(await f.logsOf(deploy.id)).toMatch(/npm.* ci/);
    }
    for (let i = 0; i < 5; i++) {
      const res = await f.api('POST', '/api/v1/apps/zd/envs/stag/rollback', { version: 7 + i });
      expect(res.status).toBe(202);
      expect((await f.waitDeploy(res.body.deploy.id)).status).toBe('succeeded');
    }
  } finally {
    results = await Promise.all(loads.map((load) => load.stop()));
  }
  for (const { ok, failures, resent } of results) {
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    // Reported: nginx's old workers close idle keep-alive connections at each reload.
    if (resent > 0) console.info(`${resent} of ${ok} requests resent on a new connection`);
  }
  // Traffic moved through the releases: the last one serves r10 (v11's artifact) as v16; rollbacks
  // stay within the kept releases.
  expect(results[0]!.seen.has('r10 v11')).toBe(true);
  expect((await f.get('/t/zd/')).text).toBe('r10 v16');
  // The bystanders' releases are exactly as they were.
  expect(bystanderTrees.map(treeState)).toEqual(before);
}
