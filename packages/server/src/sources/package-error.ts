// Builds the BerthErrors that refuse a package, naming the offending entry (quoted and shortened:
// entry names come from a hostile archive) in the message and in `details.entry`.
import { BerthError, type ErrorCode } from '../errors.ts';

export type PackageErrorCode = Extract<ErrorCode, `PACKAGE_${string}`>;

const MAX_SHOWN = 200;

export function packageError(code: PackageErrorCode, reason: string, entry?: string): BerthError {
  if (entry === undefined) return new BerthError(code, `Package refused: ${reason}`);
  const shown = entry.length > MAX_SHOWN ? `${entry.slice(0, MAX_SHOWN)}…` : entry;
  return new BerthError(code, `Package refused: ${JSON.stringify(shown)}: ${reason}`, { entry: shown });
}
