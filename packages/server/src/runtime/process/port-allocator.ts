// Loopback ports for listen instances. Binding to port 0 and releasing is racy (another process may
// take the port before the app binds it), so: ports handed out stay reserved here until the
// instance is stopped, never go to two instances, and the supervisor asks `isTaken` when a fresh
// instance dies early, to move it to a new port instead of counting a crash.
import net from 'node:net';
import { BerthError } from '../../errors.ts';

export interface PortAllocator {
  /** A free port, reserved until `release`. RUNTIME_NO_PORT when none is found. */
  allocate(): Promise<number>;
  /** Marks a port in use (instances recovered from state files). */
  reserve(port: number): void;
  release(port: number): void;
  /** True when something else listens on the port right now. */
  isTaken(port: number): Promise<boolean>;
}

export interface PortAllocatorOptions {
  host: string;
  /** Allocate from this inclusive range instead of asking the kernel for an ephemeral port. */
  range?: { min: number; max: number };
}

const ATTEMPTS = 50;

export function createPortAllocator(options: PortAllocatorOptions): PortAllocator {
  const reserved = new Set<number>();
  let cursor = options.range?.min ?? 0;

  const candidate = (): number => {
    const range = options.range;
    if (!range) return 0;
    const port = cursor;
    cursor = cursor >= range.max ? range.min : cursor + 1;
    return port;
  };

  return {
    async allocate() {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const wanted = candidate();
        if (wanted !== 0 && reserved.has(wanted)) continue;
        const port = await bindAndRelease(options.host, wanted);
        if (port === undefined || reserved.has(port)) continue;
        reserved.add(port);
        return port;
      }
      throw new BerthError('RUNTIME_NO_PORT');
    },
    reserve(port) {
      reserved.add(port);
    },
    release(port) {
      reserved.delete(port);
    },
    async isTaken(port) {
      return (await bindAndRelease(options.host, port)) === undefined;
    },
  };
}

/** Binds `host:port` (0 = any) and closes again; the bound port, or undefined when it is in use. */
function bindAndRelease(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
      else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
