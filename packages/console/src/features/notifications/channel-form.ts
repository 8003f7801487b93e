// The channel form's values and the API bodies built from them, per kind. URLs and secrets are
// write-only (the API shows a masked URL and `secretSet`/`passwordSet`): on an edit they start
// empty and are sent only when the admin types a new one; the optional ones can be removed.
import type {
  Channel,
  ChannelConfig,
  ChannelConfigPatch,
  ChannelKind,
  CreateChannelBody,
  NotifyLanguage,
  RobotFlavour,
  SmtpSecurity,
  UpdateChannelBody,
} from '@berth/sdk';

export interface ChannelForm {
  name: string;
  kind: ChannelKind;
  language: NotifyLanguage;
  enabled: boolean;
  /** webhook and robot; write-only. */
  url?: string;
  /** webhook and robot signing secret; write-only. */
  secret?: string;
  /** robot: remove the signing secret. */
  clearSecret?: boolean;
  flavour?: RobotFlavour;
  host?: string;
  port?: number;
  security?: SmtpSecurity;
  /** PEM; write-only (the API only says whether one is set). */
  ca?: string;
  clearCa?: boolean;
  username?: string;
  password?: string;
  clearPassword?: boolean;
  from?: string;
  /** Recipients, separated by commas, spaces or lines. */
  to?: string;
}

/** The recipients typed into the form: split on commas, semicolons and white space, each once. */
export function parseAddresses(text: string | undefined): string[] {
  const seen = new Set<string>();
  for (const part of (text ?? '').split(/[\s,;]+/)) if (part !== '') seen.add(part);
  return [...seen];
}

/** Text typed into an optional field: undefined when left empty. */
function given(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

/** A secret typed into the form (kept as typed: spaces may belong to it); undefined when empty. */
function typedSecret(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

/** The form's starting values: a new webhook channel, or the channel's readable settings. */
export function channelFormValues(channel?: Channel): ChannelForm {
  if (!channel)
    return {
      name: '',
      kind: 'webhook',
      language: 'en',
      enabled: true,
      flavour: 'dingtalk',
      port: 587,
      security: 'starttls',
    };
  const base: ChannelForm = {
    name: channel.name,
    kind: channel.kind,
    language: channel.language ?? 'en',
    enabled: channel.enabled,
  };
  const config = channel.config;
  if (config?.kind === 'email') {
    return {
      ...base,
      host: config.host,
      port: config.port,
      security: config.security,
      username: config.username ?? '',
      from: config.from,
      to: config.to.join(', '),
    };
  }
  if (config?.kind === 'robot') return { ...base, flavour: config.flavour };
  return base;
}

/** The settings of a new channel, only the fields of its kind. */
export function channelConfig(values: ChannelForm): ChannelConfig {
  switch (values.kind) {
    case 'webhook':
      return { kind: 'webhook', url: values.url?.trim() ?? '', secret: values.secret ?? '' };
    case 'robot': {
      const secret = values.flavour === 'wecom' ? undefined : typedSecret(values.secret);
      return {
        kind: 'robot',
        flavour: values.flavour ?? 'dingtalk',
        url: values.url?.trim() ?? '',
        ...(secret ? { secret } : {}),
      };
    }
    case 'email': {
      const ca = given(values.ca);
      const username = given(values.username);
      const password = typedSecret(values.password);
      return {
        kind: 'email',
        host: values.host?.trim() ?? '',
        port: values.port ?? 587,
        security: values.security ?? 'starttls',
        ...(ca ? { ca } : {}),
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        from: values.from?.trim() ?? '',
        to: parseAddresses(values.to),
      };
    }
  }
}

export function createChannelBody(values: ChannelForm): CreateChannelBody {
  return {
    name: values.name.trim(),
    language: values.language,
    enabled: values.enabled,
    config: channelConfig(values),
  };
}

/** The settings that changed: readable fields when they differ, secrets only when typed anew. */
export function channelConfigPatch(channel: Channel, values: ChannelForm): ChannelConfigPatch | undefined {
  const config = channel.config;
  const url = given(values.url);
  const secret = typedSecret(values.secret);
  if (channel.kind === 'webhook') {
    const patch = { ...(url ? { url } : {}), ...(secret ? { secret } : {}) };
    return Object.keys(patch).length > 0 ? { kind: 'webhook', ...patch } : undefined;
  }
  if (channel.kind === 'robot') {
    const old = config?.kind === 'robot' ? config : undefined;
    const flavour = values.flavour && values.flavour !== old?.flavour ? values.flavour : undefined;
    const dropSecret = (values.clearSecret || values.flavour === 'wecom') && old?.secretSet === true;
    const patch = {
      ...(flavour ? { flavour } : {}),
      ...(url ? { url } : {}),
      ...(dropSecret ? { secret: null } : secret && values.flavour !== 'wecom' ? { secret } : {}),
    };
    return Object.keys(patch).length > 0 ? { kind: 'robot', ...patch } : undefined;
  }
  const old = config?.kind === 'email' ? config : undefined;
  const patch: Record<string, unknown> = {};
  const host = given(values.host);
  if (host && host !== old?.host) patch['host'] = host;
  if (values.port !== undefined && values.port !== old?.port) patch['port'] = values.port;
  if (values.security && values.security !== old?.security) patch['security'] = values.security;
  const from = given(values.from);
  if (from && from !== old?.from) patch['from'] = from;
  const to = parseAddresses(values.to);
  if (to.length > 0 && to.join('\n') !== old?.to.join('\n')) patch['to'] = to;
  const username = given(values.username) ?? null;
  if (username !== (old?.username ?? null)) patch['username'] = username;
  const ca = given(values.ca);
  if (ca) patch['ca'] = ca;
  else if (values.clearCa && old?.caSet) patch['ca'] = null;
  const password = typedSecret(values.password);
  if (password) patch['password'] = password;
  else if (values.clearPassword && old?.passwordSet) patch['password'] = null;
  return Object.keys(patch).length > 0 ? ({ kind: 'email', ...patch } as ChannelConfigPatch) : undefined;
}

/** What an edit sends, or undefined when nothing changed. The kind cannot change. */
export function updateChannelBody(channel: Channel, values: ChannelForm): UpdateChannelBody | undefined {
  const body: UpdateChannelBody = {};
  const name = values.name.trim();
  if (name !== channel.name) body.name = name;
  if (values.language !== channel.language) body.language = values.language;
  if (values.enabled !== channel.enabled) body.enabled = values.enabled;
  const config = channelConfigPatch(channel, values);
  if (config) body.config = config;
  return Object.keys(body).length > 0 ? body : undefined;
}
