// Watches Docker's event stream for the `die` of this berthd's containers (filtered by owner label).
// The stream is connected before the first container starts, so no death goes unseen; when it
// breaks (dockerd restarted), it reconnects and the caller re-checks its containers.
import type Docker from 'dockerode';
import { engineError } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import { LABELS } from './container-config.ts';

export interface ContainerDeath {
  instance: string;
  containerId: string;
  exitCode: number | null;
}

export interface ContainerEvents {
  /** Resolves once the stream is connected. */
  ready(): Promise<void>;
  close(): void;
}

export function watchContainerDeaths(opts: {
  docker: Docker;
  owner: string;
  logger: Logger;
  onDeath: (death: ContainerDeath) => void;
  /** Called after a reconnect: deaths may have been missed meanwhile. */
  onReconnect: () => void;
}): ContainerEvents {
  const abort = new AbortController();
  let connected: Promise<void> | undefined;
  let everConnected = false;

  const connect = async (): Promise<void> => {
    const stream = await opts.docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: [`${LABELS.owner}=${opts.owner}`] },
      abortSignal: abort.signal,
    } as Docker.GetEventsOptions);
    if (everConnected) opts.onReconnect();
    everConnected = true;
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const text = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (text) handle(text);
      }
    });
    const reconnect = () => {
      if (abort.signal.aborted) return;
      opts.logger.warn('docker event stream ended; reconnecting');
      setTimeout(() => {
        connected = connect().catch((err) => opts.logger.error({ err }, 'docker events: reconnect failed'));
      }, 1000).unref();
    };
    stream.on('end', reconnect);
    stream.on('error', (err) => {
      if (!abort.signal.aborted) opts.logger.warn({ err }, 'docker event stream failed');
    });
  };

  const handle = (text: string) => {
    try {
      const event = JSON.parse(text) as {
        id?: string;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      const attributes = event.Actor?.Attributes ?? {};
      const instance = attributes[LABELS.instance];
      const containerId = event.Actor?.ID ?? event.id;
      if (!instance || !containerId) return;
      const code = Number(attributes['exitCode']);
      opts.onDeath({ instance, containerId, exitCode: Number.isInteger(code) ? code : null });
    } catch (err) {
      opts.logger.warn({ err }, 'docker events: unreadable event');
    }
  };

  return {
    ready() {
      connected ??= connect().catch((err: unknown) => {
        connected = undefined;
        throw engineError(err);
      });
      return connected;
    },
    close() {
      abort.abort();
    },
  };
}
