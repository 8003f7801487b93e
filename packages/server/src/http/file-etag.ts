// The ETag of a file berthd serves from disk (the console's assets, the CLI package): its size and
// modification time, so a rebuilt file is another; `variant` tells apart encodings of one file.
import type { Stats } from 'node:fs';

export function fileEtag(stat: Stats, variant?: string): string {
  return `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}${variant ? `-${variant}` : ''}"`;
}
