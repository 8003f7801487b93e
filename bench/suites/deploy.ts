// Benchmark 2: deploy latency through a real berthd. Upload of examples/node-hello (packed .tar.gz)
// until the new release serves at /o/{app}/ (polled for the release's marker), config change until
// the new release serves, rollback until the old release serves again. On the process runtime, and
// on Docker (BERTH_RUNTIME=docker) when berthd has that runtime and the Docker socket answers, and on
// Swarm (BERTH_RUNTIME=swarm, berthd's own registry) when that engine is a swarm manager; the
// runtimes' repetitions are interleaved.
//
// On Docker also a redeploy of an app that ignores SIGTERM (Heroku's `web: python3 -m http.server
// $PORT`; as PID 1 of a container without an init it would wait out the whole stop grace): upload
// until the deploy has finished, and the part of it spent stopping the replaced instance (from the
// deploy log's "Stopping" line to the deploy's end).
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
import { httpServerProcfilePackage, nodeHelloPackage } from '../lib/packages.ts';
import { freePort } from '../lib/procs.ts';
import type { Goal, SuiteResult, Table } from '../lib/report.ts';
import { median, seconds } from '../lib/stats.ts';

const MEASURES = ['deploy', 'config', 'rollback'] as const;
type Measure = (typeof MEASURES)[number];

interface RuntimeRun {
  runtime: 'process' | 'docker' | 'swarm';
  berthd?: BenchBerthd;
  code: string;
  skipped?: string;
  times: Record<Measure, number[]>;
}

/** The redeploys of the app without a SIGTERM handler (Docker only). */
interface NoHandlerRun {
  code: string;
  skipped?: string;
  /** Upload until the deploy has finished (old instance stopped). */
  redeploy: number[];
  /** From the deploy log's "Stopping … replaced instance(s)" line to the deploy's end. */
  stop: number[];
}

const STOPPING_LINE = /^-----> Stopping \d+ replaced instance/;

async function noHandlerRedeploy(
  b: BenchBerthd,
  run: NoHandlerRun,
  marker: string,
  timeout: number,
): Promise<{ redeploy: number; stop: number | undefined }> {
  const t0 = performance.now();
  const { deploy } = await b.client.uploadDeploy(run.code, 'prod', await httpServerProcfilePackage(marker));
  const done = await waitDeploy(b.client, deploy.id, timeout);
  const redeploy = performance.now() - t0;
  await waitServes(`${b.appsUrl}/o/${run.code}/marker.txt`, marker, timeout);
  const { lines } = await b.client.deployLogs(deploy.id, { limit: 1000 });
  const stopping = lines.find((l) => STOPPING_LINE.test(l.line));
  const stop = stopping && done.finishedAt !== undefined ? done.finishedAt - stopping.at : undefined;
  return { redeploy, stop };
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

/** Why the Swarm rows cannot run (the engine is no swarm manager), or undefined when they can. */
export async function swarmUnavailable(): Promise<string | undefined> {
  const info = await dockerApi('GET', '/info');
  if (info?.status !== 200) return 'the Docker socket /var/run/docker.sock does not answer';
  const swarm = (JSON.parse(info.body) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } })
    .Swarm;
  if (swarm?.LocalNodeState !== 'active' || !swarm.ControlAvailable) {
    return 'this Docker engine is not a swarm manager (docker swarm init --advertise-addr 127.0.0.1)';
  }
  return undefined;
}

/** berthd's settings for a runtime; Swarm gets its registry on a port of its own. */
export function runtimeEnv(runtime: RuntimeRun['runtime'], registryPort: number): Record<string, string> {
  if (runtime !== 'swarm') return { BERTH_RUNTIME: runtime };
  // Containers reach berthd's API through the node's docker_gwbridge, not on loopback.
  return {
    BERTH_RUNTIME: 'swarm',
    BERTH_HOST: '0.0.0.0',
    BERTH_REGISTRY_ADDRESS: `127.0.0.1:${registryPort}`,
  };
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
  const timeout = run.runtime === 'process' ? 120_000 : 600_000;

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
    { runtime: 'swarm', code: `bn${RUN_ID}ds`, times: { deploy: [], config: [], rollback: [] } },
  ];
  const docker = runs[1]!;
  const dockerReason = await dockerUnavailable();
  if (dockerReason) docker.skipped = dockerReason;
  const swarm = runs[2]!;
  const swarmReason = dockerReason ?? (await swarmUnavailable());
  if (swarmReason) swarm.skipped = swarmReason;
  const noHandler: NoHandlerRun = { code: `bn${RUN_ID}dn`, redeploy: [], stop: [] };
  try {
    for (const run of runs) {
      if (run.skipped) continue;
      try {
        run.berthd = await startBenchBerthd(
          `deploy-${run.runtime}`,
          runtimeEnv(run.runtime, await freePort()),
        );
        await run.berthd.createApp(run.code);
        // A first deploy (not measured): creates the app's user, warms caches, gives rollback a target.
        progress(`deploy: ${run.runtime}: first (unmeasured) deploy`);
        await repetitionWarmUp(run);
        if (run.runtime === 'docker') {
          progress('deploy: docker: first (unmeasured) deploy of the app without a SIGTERM handler');
          await run.berthd.createApp(noHandler.code);
          await noHandlerRedeploy(run.berthd, noHandler, `bench-${RUN_ID}-nohandler-warm`, 900_000);
        }
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
        if (run.runtime === 'docker' && !run.skipped && !noHandler.skipped) {
          try {
            const marker = `bench-${RUN_ID}-nohandler-${rep}`;
            const m = await noHandlerRedeploy(run.berthd!, noHandler, marker, 600_000);
            noHandler.redeploy.push(m.redeploy);
            if (m.stop !== undefined) noHandler.stop.push(m.stop);
            progress(
              `deploy: docker, no SIGTERM handler, rep ${rep + 1}: redeploy ${seconds(m.redeploy)}, ` +
                `stop ${m.stop === undefined ? '?' : seconds(m.stop)}`,
            );
          } catch (err) {
            noHandler.skipped = `failed: ${(err as Error).message.slice(0, 300)}`;
          }
        }
      }
    }
  } finally {
    for (const run of runs) await run.berthd?.close();
  }
  if (docker.skipped) noHandler.skipped ??= `the Docker rows did not run: ${docker.skipped}`;
  return report(options, runs, noHandler);
}

async function repetitionWarmUp(run: RuntimeRun): Promise<void> {
  const b = run.berthd!;
  const marker = `bench-${RUN_ID}-${run.runtime}-warm`;
  const { deploy } = await b.client.uploadDeploy(run.code, 'prod', await nodeHelloPackage(marker));
  const timeout = run.runtime === 'process' ? 180_000 : 900_000;
  await waitDeploy(b.client, deploy.id, timeout);
  await waitServes(`${b.appsUrl}/o/${run.code}/`, marker, timeout);
}

function report(options: BenchOptions, runs: RuntimeRun[], noHandler: NoHandlerRun): SuiteResult {
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
    // The targets are the process and Docker runtimes' (issues 5 and 9); Swarm's rows are
    // recorded without one (issue 17 asks for the figures, not a target).
    if (run.runtime === 'swarm') continue;
    goals.push({
      name: `${run.runtime}: upload -> serving`,
      kind: 'max',
      target: run.runtime === 'process' ? 2_000 : 5_000,
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
  const noHandlerTable: Table = {
    title: `redeploy of an app without a SIGTERM handler (web: python3 -m http.server $PORT), Docker, medians of ${options.rounds}`,
    columns: ['runtime', 'measure', 'median', 'runs'],
    rows: [],
    notes: [
      'redeploy: from the upload to the deploy finished (build, start, health check, drain of BERTH_DRAIN, old container stopped).',
      'stop: from the deploy log line "Stopping 1 replaced instance(s)" (after the drain) to the deploy finished; BERTH_STOP_GRACE is 10 s.',
    ],
  };
  if (noHandler.skipped) {
    noHandlerTable.rows.push(['docker', `skipped: ${noHandler.skipped}`, '', '']);
  } else {
    noHandlerTable.rows.push(
      [
        'docker',
        'upload -> redeploy finished',
        seconds(median(noHandler.redeploy)),
        noHandler.redeploy.map((v) => seconds(v)).join(' / '),
      ],
      [
        'docker',
        'stop of the replaced instance',
        seconds(median(noHandler.stop)),
        noHandler.stop.map((v) => seconds(v)).join(' / '),
      ],
    );
    goals.push({
      name: 'docker, no SIGTERM handler: stop of the replaced instance',
      kind: 'max',
      target: 2_000,
      measured: median(noHandler.stop),
      format: seconds,
    });
  }
  return {
    name: 'deploy',
    tables: [table, noHandlerTable],
    goals,
    raw: {
      runtimes: runs.map((r) => ({ runtime: r.runtime, skipped: r.skipped, times: r.times })),
      noSigtermHandler: noHandler,
    },
  };
}
