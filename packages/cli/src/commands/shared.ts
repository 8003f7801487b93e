// Small helpers the command groups share: option value checks and confirmations.
import { allItems, eachItem, type ListPage, PAGE_LIMIT_MAX, type PageQuery } from '@berth/sdk';
import type { CommandContext } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { positiveInt as wholeNumber } from '../validate.ts';

/** A whole number ≥ 1 from an option, or undefined when the option is absent. */
export function positiveInt(ctx: CommandContext, option: string): number | undefined {
  return wholeNumber(option, ctx.str(option));
}

/**
 * Goes ahead with a destructive command only with --yes, or when the person at the terminal
 * types `expected` back.
 */
export async function confirm(ctx: CommandContext, what: string, expected: string): Promise<void> {
  if (ctx.flag('yes')) return;
  if (!ctx.terminal.interactive) throw usageError(`${what} needs --yes (no terminal to ask)`);
  const answer = await ctx.terminal.ask(`${what}? Type '${expected}' to confirm: `);
  if (answer.trim() !== expected)
    throw new CliError('not confirmed; nothing was changed', 'ABORTED', EXIT.api);
}

export const YES_OPTION = {
  yes: { type: 'boolean' as const, short: 'y', help: 'Do it without asking' },
};

/** Asks for a new password twice on the terminal. */
export async function askNewPassword(ctx: CommandContext): Promise<string> {
  const password = await ctx.terminal.askHidden('New password: ');
  const again = await ctx.terminal.askHidden('Repeat it: ');
  if (again !== password) throw usageError('the passwords differ');
  if (!password) throw usageError('empty password');
  return password;
}

/** Reads a password from stdin (--password-stdin) or asks twice on the terminal. */
export async function newPassword(ctx: CommandContext): Promise<string> {
  let password: string;
  if (ctx.flag('password-stdin')) {
    password = await ctx.terminal.readLine();
  } else if (ctx.terminal.interactive) {
    password = await askNewPassword(ctx);
  } else {
    throw usageError('no terminal to ask for the password; pipe it in with --password-stdin');
  }
  if (!password) throw usageError('empty password');
  return password;
}

export const PASSWORD_STDIN_OPTION = {
  'password-stdin': {
    type: 'boolean' as const,
    help: 'Read the password from the first line of stdin (asked twice on a terminal otherwise)',
  },
};

export const LIMIT_OPTION = {
  limit: { type: 'string' as const, value: 'N', help: 'At most N items (default: all of them)' },
};

/**
 * The items of a list, page after page: all of them, or the first `--limit N`. Listings print what
 * this returns under the list's name (`--json`: `{ "<name>": [...] }`, no cursor).
 */
export async function listItems<K extends string, T>(
  ctx: CommandContext,
  name: K,
  fetchPage: (page: PageQuery) => Promise<ListPage<K, T>>,
): Promise<T[]> {
  const limit = positiveInt(ctx, 'limit');
  if (limit === undefined) return allItems(name, fetchPage);
  const items: T[] = [];
  for await (const item of eachItem(name, fetchPage, { limit: Math.min(limit, PAGE_LIMIT_MAX) })) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}

/**
 * An Idempotency-Key for this invocation's deploy, promote, rollback or scale: a retry of the same
 * request (by the client) starts nothing new; the next invocation is a new request.
 */
export function invocationKey(): { idempotencyKey: string } {
  return { idempotencyKey: `berth-cli-${globalThis.crypto.randomUUID()}` };
}
