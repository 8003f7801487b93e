// An API token's state, from its dates: revoked, expired, or active.
import type { ApiToken } from '@berth/sdk';

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(
  token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>,
  now: number = Date.now(),
): TokenState {
  if (token.revokedAt !== undefined) return 'revoked';
  if (token.expiresAt !== undefined && token.expiresAt <= now) return 'expired';
  return 'active';
}
