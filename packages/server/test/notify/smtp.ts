// A real SMTP server for the e-mail channel's tests (the `smtp-server` package) that offers STARTTLS
// with a self-signed certificate made by openssl for the test, requires AUTH, and keeps every
// message it accepts with how the session was secured and who logged in.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const run = promisify(execFile);

export interface ReceivedMail {
  mail: ParsedMail;
  /** The session had switched to TLS when the message came. */
  secure: boolean;
  user: string | undefined;
  to: string[];
}

export interface SmtpReceiver {
  readonly port: number;
  /** The certificate (PEM) the server presents: the channel's `ca`. */
  readonly cert: string;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost. */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-smtp-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startSmtp(credentials: { user: string; pass: string }): Promise<SmtpReceiver> {
  const { key, cert } = await selfSignedCert();
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    key,
    cert,
    // Offers STARTTLS; refuses AUTH before it (smtp-server's default) and requires it for mail.
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass)
        return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            mail,
            secure: session.secure,
            user: session.user as string | undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: net.Server }).server.address() as net.AddressInfo).port;
  return {
    port,
    cert,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
