// What berthd does inside a push: the interface the push hook bridge calls (hook-bridge.ts) and
// the default that accepts every push. The lead's handlers (build, deploy) implement `PushHooks`.
import type { Actor } from '../identity/actor.ts';

/** One ref a push moves; a commit of 40 zeros stands for none (a created or a deleted ref). */
export interface RefUpdate {
  ref: string;
  oldCommit: string;
  newCommit: string;
}

export const ZERO_COMMIT = '0'.repeat(40);

export interface PushContext {
  /** The push's random id (one HTTP request of git-receive-pack). */
  id: string;
  actor: Actor;
  code: string;
  repoDir: string;
  /**
   * The environment to run git read commands with (`runGit([...], { env: { GIT_DIR: repoDir,
   * ...objectEnv } })`) so that they see the pushed objects: in pre-receive those are quarantined,
   * not yet part of the repository. Empty in post-receive (the objects are the repository's then).
   */
  objectEnv: Record<string, string>;
  /** Aborted when the push goes away (the pusher disconnected, berthd closes). Work a hook started
   *  that must outlive the push (a deploy) should not hang on it; only the streaming should stop. */
  signal: AbortSignal;
}

export interface PushOutput {
  /** One `remote: …` line at the pusher (control characters removed, one line per newline). */
  line(text: string): void;
}

export interface PushHooks {
  /** Before refs move; throwing refuses the whole push, the error's message shown to the pusher. */
  preReceive(push: PushContext, updates: RefUpdate[], out: PushOutput): Promise<void>;
  /** After refs moved; may take minutes (build and deploy), streaming lines. Errors are shown, the push stays. */
  postReceive(push: PushContext, updates: RefUpdate[], out: PushOutput): Promise<void>;
}

/** Accepts every push and says nothing (berthd's default until pushes build and deploy). */
export const ACCEPT_ALL_PUSHES: PushHooks = {
  async preReceive() {},
  async postReceive() {},
};
