// Removes the secret settings (config.ts SECRET_SETTINGS) from berthd's environment once config.ts
// has read them, so that they are not handed to child processes and not shown in
// /proc/<pid>/environ, which every process of the same user (and root) can read.
//
// Deleting from process.env (unsetenv) is not enough: the kernel's /proc/<pid>/environ shows the
// environment block the process was started with, which unsetenv leaves in place. So on Linux the
// values are also overwritten in that block, through /proc/self/mem (a process may always write its
// own memory; the block lies on the stack, which is writable). The names stay, with empty values.
import fs from 'node:fs';
import { SECRET_SETTINGS } from './config.ts';
import type { Logger } from './logger.ts';

/** Unsets the secret settings in process.env and blanks their values in /proc/self/environ. */
export function forgetSecrets(logger: Logger): void {
  for (const name of SECRET_SETTINGS) delete process.env[name];
  if (process.platform !== 'linux') return;
  try {
    blankInEnvironBlock(SECRET_SETTINGS);
  } catch (err) {
    logger.warn(
      { err },
      'could not blank the secret settings in /proc/self/environ; they stay readable there',
    );
  }
}

function blankInEnvironBlock(names: readonly string[]): void {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces), starting with field 3; env_start and
  // env_end are fields 50 and 51 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[50 - 3]);
  const end = Number(fields[51 - 3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) {
    throw new Error('no environment block in /proc/self/stat');
  }
  const fd = fs.openSync('/proc/self/mem', 'r+');
  try {
    const block = Buffer.alloc(end - start);
    fs.readSync(fd, block, 0, block.length, start);
    let offset = 0;
    while (offset < block.length) {
      const stop = block.indexOf(0, offset);
      const entryEnd = stop < 0 ? block.length : stop;
      const equals = block.indexOf(0x3d, offset); // '='
      if (equals > offset && equals < entryEnd) {
        const name = block.toString('latin1', offset, equals);
        if (names.includes(name) && entryEnd > equals + 1) {
          const blank = Buffer.alloc(entryEnd - equals - 1);
          fs.writeSync(fd, blank, 0, blank.length, start + equals + 1);
        }
      }
      offset = entryEnd + 1;
    }
  } finally {
    fs.closeSync(fd);
  }
}
