// The one `--since` grammar (also `--until`): a duration ago (`30s`, `10m`, `2h`, `3d`), an ISO 8601
// date or date/time, or epoch milliseconds (10 digits or more). Every command that takes a time parses it here, before any request, so a bad
// value is a usage error worded like the help text.
import { usageError } from './errors.ts';

/** The help text of a time option; the usage error repeats it. */
export const WHEN_HELP = '30s, 10m, 2h or 3d ago, an ISO 8601 date or date/time, or epoch ms';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const AGO = /^(\d{1,9})([smhd])$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A time option's value as epoch milliseconds; `now` is when a duration counts back from. */
export function parseWhen(raw: string, now: number, option = 'since'): number {
  const ago = AGO.exec(raw);
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  if (/^\d{10,15}$/.test(raw)) return Number(raw);
  if (ISO_8601.test(raw)) {
    const at = Date.parse(raw.replace(' ', 'T'));
    if (!Number.isNaN(at)) return at;
  }
  throw usageError(`--${option} takes ${WHEN_HELP}, not '${raw}'`);
}
