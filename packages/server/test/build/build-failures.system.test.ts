// Failing, timed-out and aborted builds: the error carries the exit code and the output's tail, every
// process the build started is killed (the whole process group), and no artifact is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.ts';
import { isAlive } from '../jobs/processes.ts';
import { expectCode, type Tree, tree } from '../manifest/tree.ts';
import { type BuildRun, prepareBuild, waitFor } from './support.ts';

let src: Tree | undefined;
let run: BuildRun | undefined;
let pidDir: string | undefined;
afterEach(() => {
  src?.cleanup();
  run?.cleanup();
  if (pidDir) fs.rmSync(pidDir, { recursive: true, force: true });
  src = run = pidDir = undefined;
});

async function customBuild(script: string): Promise<BuildRun> {
  src = tree({
    'berth.yaml': `runtime: custom\nbuild: ${JSON.stringify(['sh', '-c', script])}\nprocesses: { web: ./x }\n`,
  });
  pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pids-'));
  run = await prepareBuild(src.dir);
  return run;
}

const readPid = (name: string) => Number(fs.readFileSync(path.join(pidDir!, name), 'utf8').trim());

describe('build failures', () => {
  it('a failing step gives BUILD_FAILED with its exit code and the last 20 lines', async () => {
    const r = await customBuild('for i in $(seq 1 30); do echo "line $i"; done; echo "boom" >&2; exit 3');
    const err = await expectCode(r.build(), 'BUILD_FAILED');
    expect(err.message).toContain('exited with code 3');
    const details = err.details as { exitCode: number; tail: string[]; command: string[] };
    expect(details.exitCode).toBe(3);
    expect(details.command[0]).toBe('sh');
    expect(details.tail).toHaveLength(20);
    expect(details.tail[0]).toBe('line 12');
    expect(details.tail.at(-1)).toBe('boom');
    expect(r.lines).toContain('line 1');
    expect(fs.existsSync(r.outDir)).toBe(false);
  });

  it('a program that does not exist gives BUILD_FAILED', async () => {
    src = tree({ 'berth.yaml': 'runtime: custom\nbuild: no-such-program --flag\nprocesses: { web: ./x }\n' });
    run = await prepareBuild(src.dir);
    const err = await expectCode(run.build(), 'BUILD_FAILED');
    expect(err.message).toContain('no-such-program');
  });

  it('a build over its time limit gives BUILD_TIMEOUT and its processes are killed', async () => {
    const r = await customBuild('echo $$ > "$PID_DIR/main.pid"; echo started; sleep 60');
    const started = Date.now();
    const err = await expectCode(r.build({ timeoutMs: 1500, env: { PID_DIR: pidDir! } }), 'BUILD_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.message).toContain('1500 ms');
    expect((err.details as { tail: string[] }).tail).toContain('started');
    await waitFor(() => !isAlive(readPid('main.pid')), 10_000, 'the timed-out step to die');
    expect(fs.existsSync(r.outDir)).toBe(false);
  });

  it('aborting the signal kills the whole process group, a TERM-ignoring grandchild included', async () => {
    const r = await customBuild(
      'sh -c \'trap "" TERM; echo $$ > "$PID_DIR/stubborn.pid"; sleep 300\' & ' +
        'sleep 300 & echo $! > "$PID_DIR/sleeper.pid"; echo $$ > "$PID_DIR/main.pid"; ' +
        'while [ ! -s "$PID_DIR/stubborn.pid" ]; do sleep 0.05; done; echo ready; wait',
    );
    const controller = new AbortController();
    const reason = new BerthError('INTERNAL', 'deploy cancelled');
    const building = r.build({ signal: controller.signal, env: { PID_DIR: pidDir! } });
    await waitFor(() => r.lines.includes('ready'), 20_000, 'the build to start its children');
    const pids = ['main.pid', 'sleeper.pid', 'stubborn.pid'].map(readPid);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    controller.abort(reason);
    await expect(building).rejects.toBe(reason);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 10_000, 'every build process to die');
    expect(fs.existsSync(r.outDir)).toBe(false);
  });

  it('an already aborted signal builds nothing', async () => {
    const r = await customBuild('echo never');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(r.build({ signal: controller.signal })).rejects.toThrow('stop');
    expect(fs.existsSync(r.outDir)).toBe(false);
    expect(r.lines).toEqual([]);
  });

  it('processes a successful step leaves behind are killed with it', async () => {
    const r = await customBuild('sleep 300 & echo $! > "$PID_DIR/bg.pid"; echo done');
    await r.build({ env: { PID_DIR: pidDir! } });
    await waitFor(() => !isAlive(readPid('bg.pid')), 10_000, 'the left-behind process to die');
  });

  it('refuses an output directory that is not empty, and never touches it', async () => {
    const r = await customBuild('echo hi');
    fs.mkdirSync(r.outDir);
    fs.writeFileSync(path.join(r.outDir, 'keep.txt'), 'x');
    await expectCode(r.build(), 'INTERNAL');
    // a failed build removes its output directory; this one was not the build's to remove
    expect(fs.existsSync(path.join(r.outDir, 'keep.txt'))).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'runs the steps as the app’s user when one is given (needs root)',
    async () => {
      const r = await customBuild('id -u > uid.txt; touch made-by-build');
      fs.chmodSync(r.work, 0o755);
      const result = await r.build({ user: { uid: 65534, gid: 65534 } });
      expect(fs.readFileSync(path.join(result.artifactDir, 'uid.txt'), 'utf8').trim()).toBe('65534');
      expect(fs.statSync(path.join(result.artifactDir, 'made-by-build')).uid).toBe(65534);
      expect(fs.statSync(path.join(result.artifactDir, 'berth.yaml')).uid).toBe(65534);
    },
  );
});
