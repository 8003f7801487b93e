// A channel's settings between the API and the store: what an admin writes is split into the plain
// settings (a JSON column), the URL and the secret (sealed with the secret box, bound to the channel
// by their context); what anyone reads is built back without a secret and with the URL masked; what
// a delivery sends with is opened only in the delivery job.
import crypto from 'node:crypto';
import type {
  ChannelConfig,
  ChannelConfigPatch,
  ChannelConfigView,
  RobotFlavour,
  SmtpSecurity,
} from '@berth/sdk';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { ChannelRow } from './tables.ts';

/** An email channel's settings but its password. */
interface EmailSettings {
  kind: 'email';
  host: string;
  port: number;
  security: SmtpSecurity;
  ca: string | null;
  username: string | null;
  from: string;
  to: string[];
}

/** The settings that are not secret, as stored in `settings`. */
type StoredSettings = { kind: 'webhook' } | EmailSettings | { kind: 'robot'; flavour: RobotFlavour };

/** The columns a channel's config is stored in. */
export interface SealedConfig {
  settings: string;
  url_sealed: string | null;
  url_masked: string | null;
  secret_sealed: string | null;
}

/** A channel's whole config with its secrets, as the delivery job sends with it. */
export type OpenConfig =
  | { kind: 'webhook'; url: string; secret: string }
  | (EmailSettings & { password: string | null })
  | { kind: 'robot'; flavour: RobotFlavour; url: string; secret: string | null };

const urlContext = (id: string) => `channel:${id}:url`;
const secretContext = (id: string) => `channel:${id}:secret`;

function invalid(message: string): BerthError {
  return new BerthError('VALIDATION_FAILED', message);
}

/** The URL as it may be shown: scheme, host and port, the rest (paths and tokens) elided. */
export function maskUrl(text: string): string {
  const url = new URL(text);
  const rest = url.pathname !== '/' || url.search !== '' ? '/…' : '/';
  return `${url.protocol}//${url.host}${rest}`;
}

function checkUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('body/config/url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('body/config/url must be an http or https URL');
  if (url.hash !== '') throw invalid('body/config/url must not have a #fragment');
  if (url.username !== '' || url.password !== '')
    throw invalid('body/config/url must not carry a user name or password (use the secret)');
}

function checkEmail(config: Extract<OpenConfig, { kind: 'email' }>): void {
  if (config.ca !== null) {
    if (!config.ca.includes('-----BEGIN CERTIFICATE-----'))
      throw invalid('body/config/ca must be PEM certificates');
    try {
      new crypto.X509Certificate(config.ca);
    } catch {
      throw invalid('body/config/ca is not a readable PEM certificate');
    }
  }
  if (config.security === 'none' && config.password !== null) {
    throw invalid(
      'body/config/password needs security starttls or tls: Berth does not send an SMTP password in clear text',
    );
  }
  if (config.password !== null && config.username === null)
    throw invalid('body/config/password needs body/config/username');
  if (!/@/.test(config.from)) throw invalid('body/config/from must name an address');
}

function checkRobot(config: Extract<OpenConfig, { kind: 'robot' }>): void {
  if (config.flavour === 'wecom' && config.secret !== null)
    throw invalid('body/config/secret: WeCom robots have no signing secret; leave it out');
}

function check(config: OpenConfig): void {
  if (config.kind !== 'email') checkUrl(config.url);
  if (config.kind === 'email') checkEmail(config);
  if (config.kind === 'robot') checkRobot(config);
}

/** The full config of a new channel, checked. */
export function configFromInput(input: ChannelConfig): OpenConfig {
  let config: OpenConfig;
  switch (input.kind) {
    case 'webhook':
      config = { kind: 'webhook', url: input.url, secret: input.secret };
      break;
    case 'email':
      config = {
        kind: 'email',
        host: input.host,
        port: input.port,
        security: input.security,
        ca: input.ca ?? null,
        username: input.username ?? null,
        password: input.password ?? null,
        from: input.from,
        to: input.to,
      };
      break;
    case 'robot':
      config = { kind: 'robot', flavour: input.flavour, url: input.url, secret: input.secret ?? null };
      break;
  }
  check(config);
  return config;
}

/** The config after a change, checked; `kind` must be the channel's. */
export function applyPatch(current: OpenConfig, patch: ChannelConfigPatch): OpenConfig {
  if (patch.kind !== current.kind) {
    throw invalid(
      `body/config/kind is ${patch.kind} but the channel is a ${current.kind} channel; a channel's kind cannot change (remove it and add another)`,
    );
  }
  const next = { ...current } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  const config = next as OpenConfig;
  check(config);
  return config;
}

export function sealConfig(box: SecretBox, id: string, config: OpenConfig): SealedConfig {
  const secret = config.kind === 'email' ? config.password : config.secret;
  let settings: StoredSettings;
  switch (config.kind) {
    case 'webhook':
      settings = { kind: 'webhook' };
      break;
    case 'email': {
      const { password: _password, ...rest } = config;
      settings = rest;
      break;
    }
    case 'robot':
      settings = { kind: 'robot', flavour: config.flavour };
      break;
  }
  const url = config.kind === 'email' ? null : config.url;
  return {
    settings: JSON.stringify(settings),
    url_sealed: url === null ? null : box.seal(url, urlContext(id)),
    url_masked: url === null ? null : maskUrl(url),
    secret_sealed: secret === null ? null : box.seal(secret, secretContext(id)),
  };
}

/** The channel's whole config, secrets opened (SECRET_UNREADABLE when the key changed). */
export function openConfig(box: SecretBox, row: ChannelRow): OpenConfig {
  const settings = JSON.parse(row.settings) as StoredSettings;
  const secret = row.secret_sealed === null ? null : box.open(row.secret_sealed, secretContext(row.id));
  const url = () => box.open(row.url_sealed ?? '', urlContext(row.id));
  switch (settings.kind) {
    case 'webhook':
      return { kind: 'webhook', url: url(), secret: secret ?? '' };
    case 'email':
      return { ...settings, password: secret };
    case 'robot':
      return { kind: 'robot', flavour: settings.flavour, url: url(), secret };
  }
}

/** The config as admins read it. */
export function configView(row: ChannelRow): ChannelConfigView {
  const settings = JSON.parse(row.settings) as StoredSettings;
  const secretSet = row.secret_sealed !== null;
  switch (settings.kind) {
    case 'webhook':
      return { kind: 'webhook', url: row.url_masked ?? '', secretSet };
    case 'email':
      return {
        kind: 'email',
        host: settings.host,
        port: settings.port,
        security: settings.security,
        caSet: settings.ca !== null,
        username: settings.username,
        passwordSet: secretSet,
        from: settings.from,
        to: settings.to,
      };
    case 'robot':
      return { kind: 'robot', flavour: settings.flavour, url: row.url_masked ?? '', secretSet };
  }
}
