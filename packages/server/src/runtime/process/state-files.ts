// One state file per instance, `{dataDir}/runtime/instances/{id}.json` (directory 0700, files 0600),
// rewritten on every change by write-temp-then-rename, so a berthd that dies at any point leaves
// either the old or the new record. They are what `recover()` works from.
//
// The spec's vars hold the app's config vars, secrets included; with a SecretBox they are stored
// sealed (AES-GCM, bound to the instance id), like secrets in the store.
import fs from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { InstanceExit, InstanceSpec, InstanceState } from '../driver.ts';
import type { CrashHistory } from '../restart-policy.ts';

export interface InstanceRecord {
  spec: InstanceSpec;
  state: InstanceState;
  /** Leader of the instance's process group (pgid = pid). */
  pid?: number;
  /** Field 22 of /proc/<pid>/stat when it was spawned; defeats pid reuse. */
  procStartTime?: number;
  startedAt?: number;
  port?: number;
  restarts: number;
  lastExit?: InstanceExit;
  history: CrashHistory;
}

interface StoredRecord extends Omit<InstanceRecord, 'spec'> {
  version: 1;
  spec: Omit<InstanceSpec, 'vars'> & { vars?: Record<string, string> };
  sealedVars?: string;
}

export interface StateFiles {
  readonly dir: string;
  write(record: InstanceRecord): void;
  remove(id: string): void;
  has(id: string): boolean;
  /** Ids with a state file. */
  ids(): string[];
  /** Every readable record; unreadable files are reported and left in place. */
  readAll(): { records: InstanceRecord[]; broken: Array<{ file: string; error: string }> };
}

export function createStateFiles(dataDir: string, secretBox: SecretBox | undefined): StateFiles {
  const dir = path.join(dataDir, 'runtime', 'instances');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const context = (id: string) => `runtime-instance:${id}`;
  const fileOf = (id: string) => path.join(dir, `${id}.json`);

  return {
    dir,
    write(record) {
      const { vars, ...spec } = record.spec;
      const stored: StoredRecord = secretBox
        ? { version: 1, ...record, spec, sealedVars: secretBox.seal(JSON.stringify(vars), context(spec.id)) }
        : { version: 1, ...record, spec: record.spec };
      const file = fileOf(spec.id);
      const temp = `${file}.${process.pid}.tmp`;
      const fd = fs.openSync(temp, 'w', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(stored));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, file);
    },
    remove(id) {
      fs.rmSync(fileOf(id), { force: true });
    },
    has(id) {
      return fs.existsSync(fileOf(id));
    },
    ids() {
      return fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length));
    },
    readAll() {
      const records: InstanceRecord[] = [];
      const broken: Array<{ file: string; error: string }> = [];
      for (const name of fs.readdirSync(dir)) {
        const file = path.join(dir, name);
        if (name.endsWith('.tmp')) {
          fs.rmSync(file, { force: true });
          continue;
        }
        if (!name.endsWith('.json')) continue;
        try {
          const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredRecord;
          if (stored.version !== 1 || `${stored.spec?.id}.json` !== name) throw new Error('not a v1 record');
          const { version: _version, sealedVars, spec, ...rest } = stored;
          let vars = spec.vars;
          if (sealedVars !== undefined) {
            if (!secretBox) throw new Error('the vars are sealed but no secret key is configured');
            vars = JSON.parse(secretBox.open(sealedVars, context(spec.id))) as Record<string, string>;
          }
          records.push({ ...rest, spec: { ...spec, vars: vars ?? {} } });
        } catch (err) {
          broken.push({ file, error: (err as Error).message });
        }
      }
      return { records, broken };
    },
  };
}
