// Which git host sent a delivery, told by its event header. Gitea also sends Gogs' and GitHub's
// headers for compatibility (and Forgejo sends Gitea's), so the most specific header is asked first.
import type { IncomingHttpHeaders } from 'node:http';
import { gitea, gogs } from './gitea.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';
import type { Provider } from './provider.ts';

const IN_ORDER: readonly Provider[] = [gitea, gogs, gitlab, github];

/** The provider whose event header the request carries, with the event's name. */
export function detectProvider(
  headers: IncomingHttpHeaders,
): { provider: Provider; event: string } | undefined {
  for (const provider of IN_ORDER) {
    const event = provider.eventOf(headers);
    if (event !== undefined) return { provider, event };
  }
  return undefined;
}
