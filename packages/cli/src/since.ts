// The CLI's time grammars, one module so every time option reads the same words:
// - `--since` (also audit's `--until`), a time in the past: a duration ago (`30s`, `10m`, `2h`,
//   `3d`), an ISO 8601 date or date/time, or epoch milliseconds (10 digits or more);
// - `--at` / `--until` of a deploy request, a time to come: `HH:MM` (the next such local time), or
//   the same ISO 8601 and epoch forms.
// Every command that takes a time parses it here, before any request, so a bad value is a usage
// error worded like the help text.
import { usageError } from './errors.ts';

/** The help text of a time option; the usage error repeats it. */
export const WHEN_HELP = '30s, 10m, 2h or 3d ago, an ISO 8601 date or date/time, or epoch ms';
/** The help text of a time-to-come option (a request's window); the usage error repeats it. */
export const AT_HELP = 'HH:MM (the next such local time), an ISO 8601 date or date/time, or epoch ms';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const AGO = /^(\d{1,9})([smhd])$/;
const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A time option's value as epoch milliseconds; `now` is when a duration counts back from. */
export function parseWhen(raw: string, now: number, option = 'since'): number {
  const ago = AGO.exec(raw);
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  const at = absolute(raw);
  if (at !== undefined) return at;
  throw usageError(`--${option} takes ${WHEN_HELP}, not '${raw}'`);
}

/**
 * A time-to-come option's value as epoch milliseconds. `HH:MM` is the first such local time after
 * `after` (today's when it is still to come, else tomorrow's).
 */
export function parseAt(raw: string, after: number, option: string): number {
  const clock = CLOCK.exec(raw);
  if (clock) return nextClockTime(Number(clock[1]), Number(clock[2]), after);
  const at = absolute(raw);
  if (at !== undefined) return at;
  throw usageError(`--${option} takes ${AT_HELP}, not '${raw}'`);
}

/** The first local time `hours:minutes` strictly after `after`. */
function nextClockTime(hours: number, minutes: number, after: number): number {
  const day = new Date(after);
  day.setHours(hours, minutes, 0, 0);
  if (day.getTime() <= after) {
    day.setDate(day.getDate() + 1);
    // Set again: a daylight-saving change between the two days must not move the clock time.
    day.setHours(hours, minutes, 0, 0);
  }
  return day.getTime();
}

/** Epoch milliseconds or an ISO 8601 date or date/time; undefined for anything else. */
function absolute(raw: string): number | undefined {
  if (/^\d{10,15}$/.test(raw)) return Number(raw);
  if (!ISO_8601.test(raw)) return undefined;
  const at = Date.parse(raw.replace(' ', 'T'));
  return Number.isNaN(at) ? undefined : at;
}
