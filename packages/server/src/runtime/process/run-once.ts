// One-off runs on the process runtime (a release command, `berth run`): the release's process
// (launch-plan.ts: same argv limits, environment and user as its instances) in a process group of
// its own, its output handed to the caller as it comes, and the whole group SIGKILLed when the run
// ends, times out or is aborted, so nothing it started in the background outlives it.
//
// Each live run has a record `{dataDir}/runtime/runs/{id}.json` (its group leader's pid and /proc
// start time), written right after the spawn and removed once its group is gone. `killLeftRuns`
// (the driver's recover) kills the groups of the records a dead berthd left behind. A process that
// moves itself to another group or session escapes, as for instances (process-group.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.ts';
import type { RunExit, RunIO, RunSpec } from '../driver.ts';
import { runAsInstanceSpec } from '../instance-spec.ts';
import { deliverOutput } from '../run-output.ts';
import { launchPlan, spawned, spawnPlan } from './launch-plan.ts';
import { readProcStat } from './proc.ts';
import { signalGroup, waitGroupGone } from './process-group.ts';
import type { ResolvedOptions } from './process-options.ts';

/** How long a killed group gets to disappear. */
const KILL_WAIT_MS = 5000;

interface RunRecord {
  pid: number;
  procStartTime?: number;
}

function runsDir(dataDir: string): string {
  return path.join(dataDir, 'runtime', 'runs');
}

export async function runOnceAsProcess(
  spec: RunSpec,
  io: RunIO,
  options: ResolvedOptions,
  logger: Logger,
): Promise<RunExit> {
  const plan = launchPlan(runAsInstanceSpec(spec), options, undefined);
  if (plan.unenforced.length > 0) {
    logger.info({ run: spec.id, limits: plan.unenforced }, 'the process runtime cannot enforce these limits');
  }
  const dir = runsDir(options.dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const recordFile = path.join(dir, `${spec.id}.json`);
  const child = spawnPlan(plan, spec.artifactDir, ['ignore', 'pipe', 'pipe']);
  await spawned(child, spec.command[0]);
  const pid = child.pid!;
  const record: RunRecord = { pid };
  const stat = readProcStat(pid);
  if (stat) record.procStartTime = stat.startTime;
  fs.writeFileSync(recordFile, JSON.stringify(record), { mode: 0o600 });

  let killed: RunExit['killed'];
  const kill = (why: NonNullable<RunExit['killed']>) => {
    killed ??= why;
    signalGroup(pid, 'SIGKILL');
  };
  const onAbort = () => kill('aborted');
  const timer = setTimeout(() => kill('timeout'), spec.timeoutMs);
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) onAbort();

  const drained = Promise.all(
    (['stdout', 'stderr'] as const).map(
      (name) =>
        new Promise<void>((resolve) => {
          const stream = child[name];
          if (!stream) return resolve();
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => deliverOutput(io, name, chunk, stream));
          stream.on('close', resolve);
        }),
    ),
  );
  try {
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // The leader is gone; whatever it left running in its group goes with it (and lets the output
    // pipes close).
    signalGroup(pid, 'SIGKILL');
    await waitGroupGone(pid, KILL_WAIT_MS);
    await drained;
    return { ...exit, ...(killed ? { killed } : {}) };
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
    fs.rmSync(recordFile, { force: true });
  }
}

/**
 * Kills the process groups of the runs a dead berthd left behind and removes their records. A
 * group is killed when its leader is the recorded process, or when the leader is gone but members
 * remain (the kernel does not hand out a pid still used as a group id, so they are the run's).
 */
export async function killLeftRuns(dataDir: string, logger: Logger): Promise<number> {
  const dir = runsDir(dataDir);
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const file of files) {
    const full = path.join(dir, file);
    try {
      const record = JSON.parse(fs.readFileSync(full, 'utf8')) as RunRecord;
      if (!Number.isSafeInteger(record.pid) || record.pid <= 1) throw new Error('bad pid');
      const leader = readProcStat(record.pid);
      const ours = leader === undefined || leader.startTime === record.procStartTime;
      if (ours && signalGroup(record.pid, 'SIGKILL')) {
        await waitGroupGone(record.pid, KILL_WAIT_MS);
        killed += 1;
        logger.info({ run: file.slice(0, -5), pid: record.pid }, 'killed a run left by an earlier berthd');
      }
      fs.rmSync(full, { force: true });
    } catch (err) {
      logger.error({ err, file: full }, 'cannot finish a run left by an earlier berthd');
    }
  }
  return killed;
}
