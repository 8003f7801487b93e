// Keeps disk use bounded: after a successful deploy, artifacts of releases older than the last
// BERTH_KEEP_RELEASES of each environment are deleted — never one a kept or current release (of any
// environment: a promoted release shares stag's artifact) still uses.
import fs from 'node:fs';
import type { EngineContext } from './engine-deps.ts';

export async function pruneReleases(
  ctx: EngineContext,
  app: string,
  log: (line: string) => void,
): Promise<void> {
  const { db } = ctx.store;
  const rows = await db
    .selectFrom('releases')
    .select(['id', 'env', 'version', 'status', 'out_dir', 'pruned'])
    .where('app_code', '=', app)
    .orderBy('version', 'desc')
    .execute();
  const states = await db
    .selectFrom('env_states')
    .select(['env', 'release_version'])
    .where('app_code', '=', app)
    .execute();
  const current = new Set(states.map((s) => `${s.env}/${s.release_version}`));
  const keepDirs = new Set<string>();
  const perEnv = new Map<string, number>();
  for (const row of rows) {
    if (!row.out_dir) continue;
    const seen = perEnv.get(row.env) ?? 0;
    const isCurrent = current.has(`${row.env}/${row.version}`);
    if (isCurrent || row.status === 'building' || seen < ctx.settings.keepReleases) keepDirs.add(row.out_dir);
    if (row.status !== 'building') perEnv.set(row.env, seen + 1);
  }
  const pruned: string[] = [];
  for (const row of rows) {
    if (!row.out_dir || Number(row.pruned) === 1 || keepDirs.has(row.out_dir)) continue;
    await fs.promises.rm(row.out_dir, { recursive: true, force: true });
    await db.updateTable('releases').set({ pruned: 1 }).where('id', '=', row.id).execute();
    pruned.push(`${row.env} v${row.version}`);
  }
  if (pruned.length) log(`-----> Pruned old artifacts: ${pruned.join(', ')}`);
}
