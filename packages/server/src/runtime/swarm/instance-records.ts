// The little a Swarm instance needs besides its service to be adopted exactly by the next berthd:
// the task the driver reported last and the restarts it counted, one JSON file per instance in
// `<dataDir>/runtime/swarm/`, written when a new task runs (rarely), removed on stop.
import fs from 'node:fs';
import path from 'node:path';

export interface InstanceRecord {
  task: string;
  restarts: number;
}

const file = (dataDir: string, id: string) => path.join(dataDir, 'runtime', 'swarm', `${id}.json`);

export function writeInstanceRecord(dataDir: string, id: string, record: InstanceRecord): void {
  const target = file(dataDir, id);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(record), { mode: 0o600 });
  fs.renameSync(`${target}.tmp`, target);
}

export function readInstanceRecord(dataDir: string, id: string): InstanceRecord | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file(dataDir, id), 'utf8')) as Partial<InstanceRecord>;
    if (typeof value.task !== 'string' || typeof value.restarts !== 'number') return undefined;
    return { task: value.task, restarts: value.restarts };
  } catch {
    return undefined; // none, or unreadable: adopted without it
  }
}

export function removeInstanceRecord(dataDir: string, id: string): void {
  fs.rmSync(file(dataDir, id), { force: true });
}
