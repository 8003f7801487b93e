// "Did you mean …?" for a mistyped command or option: the closest known name, when it is close
// enough to be what was meant (edit distance at most 2, or 1 for short names), else nothing.

import { closest } from '@berth/sdk';

export { closest, editDistance } from '@berth/sdk';

/** `; did you mean 'x'?` or the empty string. */
export function didYouMean(typed: string, known: Iterable<string>, show = (s: string) => s): string {
  const match = closest(typed, known);
  return match === undefined ? '' : `; did you mean '${show(match)}'?`;
}
