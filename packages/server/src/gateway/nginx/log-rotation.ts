// Size-based rotation of the logs nginx writes in berthd's prefix (`logs/access.json`, one line per
// request, and `logs/error.log`): without it they grow until the data directory's disk is full. A
// log that reached its limit is renamed `{name}.1` (`.1` becomes `.2`, and so on; the oldest
// beyond `keep` is removed); the caller then has nginx reopen its logs (USR1 to the master, or
// `nginx -s reopen` for a system nginx). Until nginx reopens, it goes on writing to the renamed
// file, which a reader holding it open reads to its end (access-log-reader.ts).
//
// The prefix is berthd's own directory (root's, never an app's): its paths are used by name.
import fs from 'node:fs';
import { rotateFiles } from '../../rotate-files.ts';
import { SETTING_DEFAULTS } from '../../setting-defaults.ts';

export interface LogRotationSettings {
  /** A log this large (bytes) or larger is rotated. */
  maxBytes: number;
  /** Rotated files kept beside the live one: `{name}.1` (newest) … `{name}.{keep}`. */
  keep: number;
}

export const DEFAULT_LOG_ROTATION: Readonly<LogRotationSettings> = Object.freeze({
  maxBytes: SETTING_DEFAULTS.nginxLogMaxBytes,
  keep: SETTING_DEFAULTS.nginxLogKeep,
});

/** The logs of `files` that reached `maxBytes` (a missing file has not). */
export function logsDue(files: readonly string[], settings: LogRotationSettings): string[] {
  return files.filter((file) => {
    try {
      return fs.statSync(file).size >= settings.maxBytes;
    } catch {
      return false;
    }
  });
}

/** Renames `file` to `{file}.1` after shifting the rotated ones up by one; the one beyond `keep`
 *  goes. A rename of a file that is not there is skipped. */
export function rotateLog(file: string, settings: LogRotationSettings): void {
  if (!Number.isInteger(settings.keep) || settings.keep < 1) throw new Error('keep must be 1 or more');
  rotateFiles(file, (n) => `${file}.${n}`, settings.keep);
}
