// The body of a delivery as JSON. Hosts send `application/json`, or (GitHub and Gitea, when so set)
// `application/x-www-form-urlencoded` with the JSON in a `payload` field; either way the signature
// was checked over the bytes as received, before this reads them.
import { BerthError } from '../errors.ts';

const FORM = 'application/x-www-form-urlencoded';

export function readPayload(contentType: string | undefined, body: Buffer): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let json: string | null = body.toString('utf8');
  if (type === FORM) {
    json = new URLSearchParams(json).get('payload');
    if (json === null) throw new BerthError('BAD_JSON', 'The form body has no "payload" field');
  }
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new BerthError('BAD_JSON', `The webhook payload is not valid JSON: ${(err as Error).message}`);
  }
}
