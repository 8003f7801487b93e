// A user acting in a service test, without the identity module: what a request's authentication
// would have made of a user of this name and role.
import type { Actor } from '../../src/identity/actor.ts';

export function testActor(username: string, role: Actor['role']): Actor {
  return {
    userId: `u_${username}`,
    username,
    role,
    via: 'token',
    credentialId: `t_${username}`,
    ip: '127.0.0.1',
  };
}
