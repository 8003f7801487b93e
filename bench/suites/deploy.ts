// Benchmark 2: deploy latency through a real berthd. Upload of examples/node-hello (packed .tar.gz)
// until the new release serves at /o/{app}/ (polled for the release's marker), config change until
// the new release serves, rollback until the old release serves again. On the process runtime, and
// on Docker (BERTH_RUNTIME=docker) when berthd has that runtime and the Docker socket answers; the
// runtimes' repetitions are interleaved.
import fs from 'node:fs';
import {
  type BenchBerthd,
  dockerApi,
  REPO,
  RUN_ID,
  startBenchBerthd,
  waitDeploy,
  waitServes,
} from '../lib/berthd.ts';
import type { BenchOptions } from '../lib/options.ts';
import { nodeHelloPackage } from '../lib/packages.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { median, seconds } from '../lib/stats.ts';

const MEASURES = ['deploy', 'config', 'rollback'] as const;
type Measure = (typeof MEASURES)[number];

interface RuntimeRun {
  runtime: 'process' | 'docker';
  berthd?: BenchBerthd;
  code: string;
  skipped?: string;
  times: Record<Measure, number[]>;
}

/** Why the Docker rows cannot run, or undefined when they can. */
export async function dockerUnavailable(): Promise<string | undefined> {
  const config = fs.readFileSync(`${REPO}/packages/server/src/config.ts`, 'utf8');
  if (!config.includes('BERTH_RUNTIME'))
    return 'berthd has no BERTH_RUNTIME setting yet (Docker wiring not in place)';
  const ping = await dockerApi('GET', '/_ping');
  if (ping?.status !== 200) return 'the Docker socket /var/run/docker.sock does not answer';
  return undefined;
}

async function newestDeployId(b: BenchBerthd, code: string): Promise<string | undefined> {
  const { deploys } = await b.client.listDeploys(code, 'prod', { limit: 1 });
  return deploys[0]?.id;
}

/** One repetition: deploy -> config change -> rollback, then the config var is removed again. */
async function repetition(run: RuntimeRun, rep: number, progress: (line: string) => void): Promise<void> {
  const b = run.berthd!;
  const url = `${b.appsUrl}/o/${run.code}/`;
  const marker = `bench-${RUN_ID}-${run.runtime}-${rep}-pkg`;
  const configMarker = `bench-${RUN_ID}-${run.runtime}-${rep}-cfg`;
  const pkg = await nodeHelloPackage(marker);
  const timeout = run.runtime === 'docker' ? 600_000 : 120_000;

  let t0 = performance.now();
  const { deploy } = await b.client.uploadDeploy(run.code, 'prod', pkg, { description: `bench ${rep}` });
  await waitServes(url, marker, timeout);
  run.times.deploy.push(performance.now() - t0);
  await waitDeploy(b.client, deploy.id, timeout);

  t0 = performance.now();
  await b.client.updateConfig(run.code, 'prod', { set: [{ name: 'GREETING', value: configMarker }] });
  await waitServes(url, configMarker, timeout);
  run.times.config.push(performance.now() - t0);
  const configDeploy = await newestDeployId(b, run.code);
  if (configDeploy) await waitDeploy(b.client, configDeploy, timeout);

  t0 = performance.now();
  const rollback = await b.client.rollback(run.code, 'prod');
  await waitServes(url, marker, timeout);
  run.times.rollback.push(performance.now() - t0);
  await waitDeploy(b.client, rollback.deploy.id, timeout);

  // The next package must not be overridden by this GREETING.
  const { vars } = await b.client.getConfig(run.code, 'prod');
  if (vars.some((v) => v.name === 'GREETING')) {
    await b.client.updateConfig(run.code, 'prod', { unset: ['GREETING'] });
    const id = await newestDeployId(b, run.code);
    if (id) await waitDeploy(b.client, id, timeout);
  }
  progress(
    `deploy: ${run.runtime} rep ${rep + 1}: deploy ${seconds(run.times.deploy.at(-1)!)}, ` +
      `config ${seconds(run.times.config.at(-1)!)}, rollback ${seconds(run.times.rollback.at(-1)!)}`,
  );
}

export async function deployBenchmark(
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<SuiteResult> {
  const runs: RuntimeRun[] = [
    { runtime: 'process', code: `bn${RUN_ID}dp`, times: { deploy: [], config: [], rollback: [] } },
    { runtime: 'docker', code: `bn${RUN_ID}dd`, times: { deploy: [], config: [], rollback: [] } },
  ];
  const docker = runs[1]!;
  const dockerReason = await dockerUnavailable();
  if (dockerReason) docker.skipped = dockerReason;
  try {
    for (const run of runs) {
      if (run.skipped) continue;
      try {
        run.berthd = await startBenchBerthd(`deploy-${run.runtime}`, { BERTH_RUNTIME: run.runtime });
        await run.berthd.createApp(run.code);
        // A first deploy (not measured): creates the app's user, warms caches, gives rollback a target.
        progress(`deploy: ${run.runtime}: first (unmeasured) deploy`);
        await repetitionWarmUp(run);
      } catch (err) {
        if (run.runtime === 'process') throw err;
        run.skipped = `failed to start: ${(err as Error).message.slice(0, 300)}`;
        await run.berthd?.close();
      }
    }
    for (let rep = 0; rep < options.rounds; rep++) {
      for (const run of runs) {
        if (run.skipped) continue;
        try {
          await repetition(run, rep, progress);
        } catch (err) {
          if (run.runtime === 'process') throw err;
          run.skipped = `failed: ${(err as Error).message.slice(0, 300)}`;
        }
      }
    }
  } finally {
    for (const run of runs) await run.berthd?.close();
  }
  return report(options, runs);
}

async function repetitionWarmUp(run: RuntimeRun): Promise<void> {
  const b = run.berthd!;
  const marker = `bench-${RUN_ID}-${run.runtime}-warm`;
  const { deploy } = await b.client.uploadDeploy(run.code, 'prod', await nodeHelloPackage(marker));
  const timeout = run.runtime === 'docker' ? 900_000 : 180_000;
  await waitDeploy(b.client, deploy.id, timeout);
  await waitServes(`${b.appsUrl}/o/${run.code}/`, marker, timeout);
}

function report(options: BenchOptions, runs: RuntimeRun[]): SuiteResult {
  const labels: Record<Measure, string> = {
    deploy: 'upload -> new release serving',
    config: 'config set -> new release serving',
    rollback: 'rollback -> old release serving',
  };
  const table: Table = {
    title: `deploy latency: examples/node-hello (2 web instances), real berthd, medians of ${options.rounds} interleaved repetitions`,
    columns: ['runtime', 'measure', 'median', 'runs'],
    rows: [],
    notes: [
      'Timed from the API request to the first 200 at /o/{app}/ carrying the new marker (polled every 10 ms).',
      'Each repetition waits for the deploy to finish (2 s drain of the old instances) before the next step.',
    ],
  };
  const goals: Goal[] = [];
  for (const run of runs) {
    if (run.skipped) {
      table.rows.push([run.runtime, `skipped: ${run.skipped}`, '', '']);
      continue;
    }
    for (const measure of MEASURES) {
      const values = run.times[measure];
      table.rows.push([
        run.runtime,
        labels[measure],
        seconds(median(values)),
        values.map((v) => seconds(v)).join(' / '),
      ]);
    }
    goals.push({
      name: `${run.runtime}: upload -> serving`,
      kind: 'max',
      target: run.runtime === 'docker' ? 5_000 : 2_000,
      measured: median(run.times.deploy),
      format: seconds,
    });
    goals.push({
      name: `${run.runtime}: rollback -> serving`,
      kind: 'max',
      target: 1_000,
      measured: median(run.times.rollback),
      format: seconds,
    });
  }
  return {
    name: 'deploy',
    tables: [table],
    goals,
    raw: runs.map((r) => ({ runtime: r.runtime, skipped: r.skipped, times: r.times })),
  };
}
