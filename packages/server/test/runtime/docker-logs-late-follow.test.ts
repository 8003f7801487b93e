// A follower of a Docker log (docker-logs.ts) when dockerd's follow stream starts late: under load a
// stream asked to start at the cut (`since`) has been seen to begin some lines after it, as if at the
// end of the file (a docker tier run lost four lines so). That cannot be caused on demand with a real
// dockerd, so the endpoint here is a stand-in that answers as such a dockerd does: its follow stream
// skips the first lines after the cut; its plain reads honour `since` and `until`. The follower must
// still deliver every line after the cut, once each, in order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceLogs, type LogEndpoint } from '../../src/runtime/docker/docker-logs.ts';

interface Entry {
  ns: bigint;
  line: string;
}

function frame(e: Entry): Buffer {
  const ms = e.ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, '');
  const fraction = (e.ns % 1_000_000_000n).toString().padStart(9, '0');
  const payload = Buffer.from(`${iso}.${fraction}Z ${e.line}\n`);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const fromParam = (value: unknown): bigint | undefined => {
  if (typeof value !== 'string') return undefined;
  const [s, f = '0'] = value.split('.');
  return BigInt(s!) * 1_000_000_000n + BigInt(f.padEnd(9, '0'));
};

/** The stand-in for a dockerd whose follow stream starts `skip` lines after where it was asked. */
function lateFollowEndpoint(log: Entry[], skip: number, follows: { count: number }): LogEndpoint {
  return {
    async logs(opts: object) {
      const o = opts as { follow?: boolean; since?: string; until?: string; abortSignal?: AbortSignal };
      const since = fromParam(o.since);
      const until = fromParam(o.until);
      const after = log.filter((e) => since === undefined || e.ns > since);
      if (!o.follow) {
        return Buffer.concat(after.filter((e) => until === undefined || e.ns <= until).map(frame));
      }
      follows.count++;
      const sent = after.slice(skip);
      const signal = o.abortSignal;
      return {
        destroy() {},
        async *[Symbol.asyncIterator]() {
          for (const e of sent) yield frame(e);
          // Then a live stream with nothing more to say, until the follower lets go.
          await new Promise<void>((resolve) => {
            if (signal?.aborted) resolve();
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
        },
      };
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a Docker log follower whose stream starts late', () => {
  it('delivers every line after the cut, once each and in order, the skipped ones read again', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    // Ten lines before the call, ten after (stamped in the near future: written after the cut).
    const log: Entry[] = [];
    for (let i = 1; i <= 20; i++) {
      const at = i <= 10 ? now - BigInt(11 - i) * 5_000_000n : now + BigInt(i - 10) * 5_000_000n;
      log.push({ ns: at, line: `tick ${i}` });
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-late-follow-'));
    dirs.push(dataDir);
    const follows = { count: 0 };
    const endpoint = lateFollowEndpoint(log, 4, follows);
    const abort = new AbortController();
    // A follower that lost lines would wait for them for ever: it is stopped after a while.
    const deadline = setTimeout(() => abort.abort(), 2000);
    const got: string[] = [];
    for await (const l of instanceLogs(
      { dataDir, lookup: () => ({ state: 'running' }), endpoint: () => endpoint },
      'i1',
      { follow: true, tailLines: 0, signal: abort.signal },
    )) {
      got.push(l.line);
      if (got.length === 10) abort.abort();
    }
    clearTimeout(deadline);
    expect(follows.count).toBe(1);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 11}`));
  });
});
