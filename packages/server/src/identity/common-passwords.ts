// The list of commonly used passwords the policy refuses: the password dictionary of zxcvbn-ts
// (`@zxcvbn-ts/language-common`, MIT, data only; about 49,000 lower-case entries drawn from leaked
// password sets). The list is read when a password is checked and not kept: checks happen only when
// a password is set, and holding it would cost berthd some 4 MB for good.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const LIST = '@zxcvbn-ts/language-common/src/passwords.json';

/** Reads the whole list (a JSON array of lower-case strings). */
export function readCommonPasswords(): string[] {
  const file = createRequire(import.meta.url).resolve(LIST);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
}

/** True when the password, ignoring case and surrounding spaces, is on the list. */
export function isCommonPassword(password: string): boolean {
  const candidate = password.trim().toLowerCase();
  return readCommonPasswords().includes(candidate);
}
