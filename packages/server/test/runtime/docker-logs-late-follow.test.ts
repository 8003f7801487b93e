// A follower of a Docker log (docker-logs.ts) when dockerd's follow stream starts late: under load a
// stream asked to start at the cut (`since`) has been seen to begin some lines after it, as if at the
// end of the file (a docker tier run lost four lines so). That cannot be caused on demand with a real
// dockerd, so the endpoint here is a stand-in that answers as such a dockerd does: its follow stream
// skips the first lines after the cut; its plain reads go through the file in its order, skip lines
// up to `since` and end at the first line stamped after `until` (dockerd's json-file reader does
// that, and a stderr line stamped later can come before a stdout line in the file). The follower
// must still deliver every line after the cut, once each, in time order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
      if (!o.follow) {
        const read: Entry[] = [];
        for (const e of log) {
          if (until !== undefined && e.ns > until) break;
          if (since === undefined || e.ns > since) read.push(e);
        }
        return Buffer.concat(read.map(frame));
      }
      follows.count++;
      // The stream starts `skip` lines (of the file) after the first line past `since`.
      const first = log.findIndex((e) => since === undefined || e.ns > since);
      const sent = (first < 0 ? [] : log.slice(first + skip)).filter(
        (e) => since === undefined || e.ns > since,
      );
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

/** The first `count` lines a follower (tailLines 0, called now) delivers from `log`. */
async function follow(
  log: Entry[],
  skip: number,
  count: number,
): Promise<{ got: string[]; follows: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-late-follow-'));
  dirs.push(dataDir);
  const follows = { count: 0 };
  const endpoint = lateFollowEndpoint(log, skip, follows);
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
    if (got.length === count) abort.abort();
  }
  clearTimeout(deadline);
  return { got, follows: follows.count };
}

describe('a Docker log follower whose stream starts late', () => {
  /** Stamped `i` steps of 100 ms from when the test began (negative: before the follower's call,
   *  positive: written after it, whenever it comes in the test). */
  let start = 0n;
  const at = (i: number) => start + BigInt(i) * 100_000_000n;
  beforeEach(() => {
    start = BigInt(Date.now()) * 1_000_000n;
  });

  it('delivers every line after the cut, once each and in order, the skipped ones read again', async () => {
    // Ten lines before the call, ten after (stamped in the near future: written after the cut).
    const log: Entry[] = [];
    for (let i = 1; i <= 20; i++) log.push({ ns: at(i <= 10 ? i - 11 : i - 10), line: `tick ${i}` });
    const { got, follows } = await follow(log, 4, 10);
    expect(follows).toBe(1);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 11}`));
  });

  it('loses no skipped line when a line stamped later comes first in the file', async () => {
    // After the cut the file holds: tick 1, then "tock" (stderr, stamped after tick 4), then ticks
    // 2 to 8. The stream starts at tick 4, which it brings first: a read of the skipped lines that
    // ended at tick 4's stamp would stop at "tock" and lose ticks 2 and 3, and a follower that cut
    // the read at tick 4 would lose "tock", which the stream never brings.
    const log: Entry[] = [
      { ns: at(-1), line: 'tick 0' },
      { ns: at(1), line: 'tick 1' },
      { ns: at(4) + 1n, line: 'tock' },
      ...Array.from({ length: 7 }, (_, i) => ({ ns: at(i + 2), line: `tick ${i + 2}` })),
    ];
    const { got, follows } = await follow(log, 3, 9);
    expect(follows).toBe(1);
    expect(got).toEqual([
      'tick 1',
      'tick 2',
      'tick 3',
      'tick 4',
      'tock',
      'tick 5',
      'tick 6',
      'tick 7',
      'tick 8',
    ]);
  });
});
