// The build context of a Dockerfile app: the unpacked source tree as a tar stream for the Engine
// API's /build, minus what .dockerignore leaves out. Entries are walked here (links are sent as
// links, never followed) and handed to tar one by one, so an ignored directory is not read at all
// unless a `!` rule may re-include something below it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { create as createTar } from 'tar';
import { hasExceptions, type IgnoreRule, isIgnored, parseDockerignore } from './dockerignore.ts';

const MAX_DOCKERIGNORE_BYTES = 64 * 1024;

export interface BuildContextTar {
  stream: Readable;
  /** Entries sent (files, links and directories). */
  entries: number;
  /** Entries .dockerignore left out. */
  ignored: number;
}

export async function contextTar(root: string): Promise<BuildContextTar> {
  const rules = await readRules(root);
  const walkIgnored = hasExceptions(rules);
  const list: string[] = [];
  let ignored = 0;
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === '' ? root : path.join(root, rel);
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const skip = isIgnored(rules, child);
      if (skip) ignored++;
      else list.push(child);
      if (entry.isDirectory() && (!skip || walkIgnored)) await walk(child);
    }
  };
  await walk('');
  const stream = Readable.from(
    createTar({ cwd: root, portable: true, noDirRecurse: true, follow: false }, list.length ? list : []),
  );
  return { stream, entries: list.length, ignored };
}

async function readRules(root: string): Promise<IgnoreRule[]> {
  const file = path.join(root, '.dockerignore');
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile() || stat.size > MAX_DOCKERIGNORE_BYTES) return [];
    return parseDockerignore(await fs.readFile(file, 'utf8'));
  } catch {
    return [];
  }
}
