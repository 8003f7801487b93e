// Actors of the API gateway's store tests: a user of a role, logged in with a session, by name.
import type { Actor } from '../../src/identity/actor.ts';

export function sessionActor(username: string, role: Actor['role']): Actor {
  return {
    userId: `u_${username}`,
    username,
    role,
    via: 'session',
    credentialId: `s_${username}`,
    ip: '10.0.0.1',
  };
}
