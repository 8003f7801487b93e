// An `email` channel: one message over SMTP with nodemailer, text and HTML. STARTTLS is required
// (not opportunistic) with `starttls`, TLS starts at once with `tls`; `ca` adds trusted certificates.
// The Message-ID is made from the delivery id, so a mail sent again after a crash is recognisably
// the same one.
import nodemailer from 'nodemailer';
import type { OpenConfig } from '../channel-config.ts';
import type { Sender } from './message.ts';
import { networkFailure, SendError } from './send-error.ts';

type EmailConfig = Extract<OpenConfig, { kind: 'email' }>;

export function messageId(deliveryId: string): string {
  return `<${deliveryId}@notify.berth>`;
}

export const sendEmail: Sender<EmailConfig> = async (config, message, options) => {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    ...(config.ca !== null ? { tls: { ca: config.ca } } : {}),
    ...(config.username !== null
      ? { auth: { user: config.username, ...(config.password !== null ? { pass: config.password } : {}) } }
      : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  const abort = () => transport.close();
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    await transport.sendMail({
      from: config.from,
      to: config.to,
      subject: message.rendered.title,
      text: message.rendered.text,
      html: message.rendered.html,
      messageId: messageId(message.deliveryId),
      headers: { 'X-Berth-Delivery': message.deliveryId, 'X-Berth-Event': message.type },
    });
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    const e = err as { responseCode?: number; code?: string };
    // 5xx SMTP answers (bad recipient, refused login) are refusals; 4xx and connection trouble pass.
    if (typeof e.responseCode === 'number')
      throw new SendError(`the SMTP server answered ${e.responseCode}`, e.responseCode >= 500);
    if (e.code === 'EAUTH') throw new SendError('the SMTP server refused the login (EAUTH)', true);
    throw networkFailure(err, 'sending the mail');
  } finally {
    options.signal.removeEventListener('abort', abort);
    transport.close();
  }
};
