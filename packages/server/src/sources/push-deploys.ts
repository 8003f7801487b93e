// What a push to an app's hosted repository does (the git hosting's PushHooks). Before refs move:
// the deploy branch cannot be deleted, and a commit that deploys (the deploy branch, tags when they
// deploy) may not change the pinned manifest. After they moved: the deploy branch (or a tag) builds
// and deploys, and the push's output follows it to the URL or to why it failed.

import { BerthError } from '../errors.ts';
import { type PushHooks, readFileAt, ZERO_COMMIT } from '../git/index.ts';
import { MANIFEST_LIMITS } from '../manifest/index.ts';
import { changedPinnedFields, type PinnedManifest, pinnedError } from './pinned-manifest.ts';
import type { SourceTriggers } from './settings-service.ts';
import { type TriggeredDeploys, targetOf } from './triggered-deploys.ts';

export interface PushDeployDeps {
  triggers(code: string): Promise<SourceTriggers>;
  pinned(code: string): Promise<PinnedManifest | undefined>;
  /** Made after the engine (which needs the git hosting first). */
  triggered(): TriggeredDeploys;
}

export function pushDeploys(deps: PushDeployDeps): PushHooks {
  return {
    async preReceive(push, updates) {
      const triggers = await deps.triggers(push.code);
      const pin = await deps.pinned(push.code);
      for (const u of updates) {
        if (u.ref === `refs/heads/${triggers.branch}` && u.newCommit === ZERO_COMMIT) {
          throw new BerthError(
            'GIT_REF_INVALID',
            `${triggers.branch} is the deploy branch: it cannot be deleted (change the deploy branch first: berth sources set --branch)`,
          );
        }
        if (!pin || u.newCommit === ZERO_COMMIT || 'skip' in targetOf(triggers, u.ref)) continue;
        const text = await readFileAt(push.repoDir, u.newCommit, 'berth.yaml', MANIFEST_LIMITS.maxFileBytes, {
          env: push.objectEnv,
        });
        if (text === null) continue; // built with the pinned manifest
        const changed = changedPinnedFields(pin, text.toString('utf8'));
        if (changed.length > 0) {
          const name = u.ref.replace(/^refs\/(heads|tags)\//, '');
          throw pinnedError(changed, `berth.yaml of ${name} (${u.newCommit.slice(0, 12)})`);
        }
      }
    },
    async postReceive(push, updates, out) {
      await deps.triggered().pushed(push.actor, push.code, updates, out, push.signal);
    },
  };
}
