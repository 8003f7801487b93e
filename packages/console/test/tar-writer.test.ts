// The console's tar writer, read back by the `tar` package (the reader the CLI's packer comes
// from): names short and long, non-ASCII names through pax headers, directories, empty and
// block-sized files, and the gzip'd form the deploy upload sends.
import { Parser, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import {
  FIXED_MTIME,
  gzipBlob,
  paxBody,
  type TarEntry,
  writeTar,
} from '../src/features/apps/deploy/tar-writer.ts';

interface ReadBack {
  path: string;
  type: string;
  size: number;
  mode: number | undefined;
  mtime: number | undefined;
  text: string;
}

async function readBack(blob: Blob): Promise<ReadBack[]> {
  const data = new Uint8Array(await blob.arrayBuffer());
  const entries: ReadBack[] = [];
  const pending: Promise<void>[] = [];
  const warnings: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onwarn: (_code: string, message: string | Error) => warnings.push(String(message)),
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Uint8Array[] = [];
        pending.push(
          new Promise<void>((done) => {
            entry.on('data', (chunk: Uint8Array) => chunks.push(chunk));
            entry.on('end', () => {
              entries.push({
                path: entry.path,
                type: entry.type,
                size: entry.size ?? 0,
                mode: entry.mode,
                mtime: entry.mtime ? entry.mtime.getTime() / 1000 : undefined,
                text: new TextDecoder().decode(concat(chunks)),
              });
              done();
            });
          }),
        );
      },
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(Buffer.from(data));
  });
  await Promise.all(pending);
  expect(warnings).toEqual([]);
  return entries;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const file = (path: string, text: string): TarEntry => ({ type: 'file', path, body: new Blob([text]) });

describe('writeTar', () => {
  it('writes files and directories a tar reader reads back as written', async () => {
    const blob = writeTar([
      { type: 'directory', path: 'src/' },
      file('src/app.js', 'console.log("hi")\n'),
      file('empty.txt', ''),
      file('block.bin', 'x'.repeat(512)),
      { type: 'file', path: 'bin/start', body: new Blob(['#!/bin/sh\n']), mode: 0o755 },
    ]);
    expect(blob.size % 512).toBe(0);
    const entries = await readBack(blob);
    expect(entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ['src/', 'Directory', 0],
      ['src/app.js', 'File', 18],
      ['empty.txt', 'File', 0],
      ['block.bin', 'File', 512],
      ['bin/start', 'File', 10],
    ]);
    expect(entries[1]?.text).toBe('console.log("hi")\n');
    expect(entries[3]?.text).toBe('x'.repeat(512));
    expect(entries[0]?.mode).toBe(0o755);
    expect(entries[1]?.mode).toBe(0o644);
    expect(entries[4]?.mode).toBe(0o755);
    expect(entries.every((e) => e.mtime === FIXED_MTIME)).toBe(true);
  });

  it('keeps names longer than 100 bytes and non-ASCII names whole (pax path records)', async () => {
    const deep = `${'very-long-directory-name/'.repeat(8)}and-a-file-name-at-the-end.txt`;
    const longDir = `${'d'.repeat(120)}/`;
    expect(deep.length).toBeGreaterThan(200);
    const blob = writeTar([
      file(deep, 'deep'),
      file('文档/说明.md', '你好'),
      { type: 'directory', path: longDir },
      file('exactly-100/'.padEnd(100, 'n'), 'edge'),
    ]);
    const entries = await readBack(blob);
    expect(entries.map((e) => [e.path, e.type, e.text])).toEqual([
      [deep, 'File', 'deep'],
      ['文档/说明.md', 'File', '你好'],
      [longDir, 'Directory', ''],
      ['exactly-100/'.padEnd(100, 'n'), 'File', 'edge'],
    ]);
  });

  it('gzips to an archive the reader unpacks', async () => {
    const tar = writeTar([file('Procfile', 'web: node server.js\n'), file('server.js', 'x'.repeat(100_000))]);
    const gz = await gzipBlob(tar);
    const head = new Uint8Array(await gz.slice(0, 2).arrayBuffer());
    expect([...head]).toEqual([0x1f, 0x8b]);
    expect(gz.size).toBeLessThan(tar.size);
    const entries = await readBack(gz);
    expect(entries.map((e) => [e.path, e.size])).toEqual([
      ['Procfile', 20],
      ['server.js', 100_000],
    ]);
  });
});

describe('paxBody', () => {
  it('counts each record length including its own digits', () => {
    for (const value of [
      'a',
      'x'.repeat(90),
      'x'.repeat(93),
      'x'.repeat(994),
      'x'.repeat(995),
      '路径'.repeat(40),
    ]) {
      const text = new TextDecoder().decode(paxBody([['path', value]]));
      const length = Number(text.slice(0, text.indexOf(' ')));
      expect(new TextEncoder().encode(text).length).toBe(length);
      expect(text.endsWith(`path=${value}\n`)).toBe(true);
    }
  });
});
