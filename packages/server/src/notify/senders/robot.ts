// A `robot` channel: the group-chat robots' own webhook formats, Markdown text.
//  - DingTalk: {msgtype: markdown}; with a secret, `timestamp` (ms) and `sign` query parameters,
//    sign = base64(HMAC-SHA256(key: secret, "<timestamp>\n<secret>")).
//  - WeCom: {msgtype: markdown}; no signing (the key in the URL is the credential).
//  - Feishu/Lark: an interactive card with lark_md text; with a secret, `timestamp` (s) and `sign` in
//    the body, sign = base64(HMAC-SHA256(key: "<timestamp>\n<secret>", empty message)).
// All three answer 200 with an error code in the body when they refuse a message.
import crypto from 'node:crypto';
import type { OpenConfig } from '../channel-config.ts';
import { postJson } from './http-post.ts';
import type { OutgoingMessage, Sender } from './message.ts';
import { SendError } from './send-error.ts';

type RobotConfig = Extract<OpenConfig, { kind: 'robot' }>;

export function dingtalkSign(secret: string, timestampMs: number): string {
  return crypto.createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function feishuSign(secret: string, timestampS: number): string {
  return crypto.createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

/** The URL and body a robot gets. */
export function robotRequest(
  config: RobotConfig,
  message: OutgoingMessage,
  now: number,
): { url: string; body: object } {
  const { title, markdown } = message.rendered;
  switch (config.flavour) {
    case 'dingtalk': {
      const url = new URL(config.url);
      if (config.secret !== null) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', dingtalkSign(config.secret, now));
      }
      return { url: url.toString(), body: { msgtype: 'markdown', markdown: { title, text: markdown } } };
    }
    case 'wecom':
      return { url: config.url, body: { msgtype: 'markdown', markdown: { content: markdown } } };
    case 'feishu': {
      const seconds = Math.floor(now / 1000);
      const signing =
        config.secret === null
          ? {}
          : { timestamp: String(seconds), sign: feishuSign(config.secret, seconds) };
      return {
        url: config.url,
        body: {
          ...signing,
          msg_type: 'interactive',
          card: {
            header: { title: { tag: 'plain_text', content: title } },
            elements: [{ tag: 'div', text: { tag: 'lark_md', content: markdown } }],
          },
        },
      };
    }
  }
}

export const sendRobot: Sender<RobotConfig> = async (config, message, options) => {
  const request = robotRequest(config, message, options.now);
  const answer = await postJson(request.url, JSON.stringify(request.body), {}, options);
  let parsed: { errcode?: unknown; code?: unknown; StatusCode?: unknown; errmsg?: unknown; msg?: unknown };
  try {
    parsed = JSON.parse(answer.text) as typeof parsed;
  } catch {
    return;
  }
  const code = parsed.errcode ?? parsed.code ?? parsed.StatusCode;
  if (code === undefined || code === 0) return;
  const said = String(parsed.errmsg ?? parsed.msg ?? '').slice(0, 200);
  throw new SendError(
    `the ${config.flavour} robot refused the message: ${String(code)} ${said}`.trim(),
    true,
  );
};
