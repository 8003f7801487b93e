// The notification API's lists (event types, channel kinds, robot flavours, SMTP security,
// languages) as plain data: the SDK's own constants live in its TypeBox schemas, and importing them
// would load TypeBox into the console's pages. The types below fail the typecheck when a list
// misses a value of the SDK's type, and notify-forms.test.ts checks each equals the SDK's.
import type { ChannelKind, NotifyEventType, NotifyLanguage, RobotFlavour, SmtpSecurity } from '@berth/sdk';
import type { Complete } from '../../components/complete-list.ts';

const events = [
  'request.filed',
  'request.approved',
  'request.refused',
  'request.withdrawn',
  'deploy.succeeded',
  'deploy.failed',
  'instance.crashloop',
  'app.message',
  'apigw.request.filed',
  'apigw.request.approved',
  'apigw.request.refused',
] as const satisfies readonly NotifyEventType[];
export const NOTIFY_EVENT_LIST: Complete<NotifyEventType, typeof events> = events;

const kinds = ['webhook', 'email', 'robot'] as const satisfies readonly ChannelKind[];
export const CHANNEL_KIND_LIST: Complete<ChannelKind, typeof kinds> = kinds;

const flavours = ['dingtalk', 'wecom', 'feishu'] as const satisfies readonly RobotFlavour[];
export const ROBOT_FLAVOUR_LIST: Complete<RobotFlavour, typeof flavours> = flavours;

const security = ['starttls', 'tls', 'none'] as const satisfies readonly SmtpSecurity[];
export const SMTP_SECURITY_LIST: Complete<SmtpSecurity, typeof security> = security;

const languages = ['en', 'zh-CN'] as const satisfies readonly NotifyLanguage[];
export const NOTIFY_LANGUAGE_LIST: Complete<NotifyLanguage, typeof languages> = languages;
