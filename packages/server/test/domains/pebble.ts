// Pebble (Debian's `pebble` package) and pebble-challtestsrv as its DNS (every name resolves to
// 127.0.0.1), started on loopback ports for the ACME tests, with Pebble's HTTPS certificate from a CA
// the test makes (`caFile`, for BERTH_ACME_CA_FILE). Pebble's HTTP-01 validation connects to
// `httpPort` on 127.0.0.1: berthd's apps port (the gateway) in acme-pebble.system.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { makeCert } from './make-certs.ts';

const PEBBLE = '/usr/bin/pebble';
const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

export interface Pebble {
  directory: string;
  caFile: string;
  output(): string;
  stop(): Promise<void>;
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startProgram(file: string, args: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(file, args, {
    env: { PATH: '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, started, output: () => output };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function startPebble(dir: string, httpPort: number): Promise<Pebble> {
  const ca = await makeCert({ ca: true, cn: 'Berth Pebble Test CA' });
  const tlsCert = await makeCert({ names: ['localhost'], ips: ['127.0.0.1'], issuer: ca });
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, ca.pem);
  fs.writeFileSync(path.join(dir, 'cert.pem'), tlsCert.pem);
  fs.writeFileSync(path.join(dir, 'key.pem'), tlsCert.keyPem);
  const [pebblePort, managementPort, dnsPort, dnsManagementPort, tlsPort] = await Promise.all(
    Array.from({ length: 5 }, freePort),
  );
  const dns = startProgram(
    CHALLTESTSRV,
    [
      ...['-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', ''],
      ...['-management', `127.0.0.1:${dnsManagementPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
    ],
    {},
    /Starting challenge servers|Answering|dns/i,
  );
  let pebble: ReturnType<typeof startProgram> | undefined;
  try {
    await dns.started;
    fs.writeFileSync(
      path.join(dir, 'pebble.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${pebblePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: path.join(dir, 'cert.pem'),
          privateKey: path.join(dir, 'key.pem'),
          httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    pebble = startProgram(
      PEBBLE,
      ['-config', path.join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`],
      // No random sleeps before validation, no random nonce refusals: the flow, not Pebble's chaos.
      { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
      /Listening on/,
    );
    await pebble.started;
  } catch (err) {
    await stop(pebble?.child);
    await stop(dns.child);
    throw err;
  }
  const started = pebble;
  return {
    directory: `https://127.0.0.1:${pebblePort}/dir`,
    caFile,
    output: () => started.output(),
    async stop() {
      await stop(started.child);
      await stop(dns.child);
    },
  };
}
