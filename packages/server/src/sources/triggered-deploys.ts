// What a push or a webhook delivery deploys. The app's source settings name a deploy branch and the
// environment it deploys to (default: `main` to stag), and optionally where tags deploy; anything
// else is stored without deploying. A push's output follows the deploy it started, line by line,
// and ends with the URL it serves at (or why it failed: the serving release is left alone).
import type { Deploy, EnvName } from '@berth/sdk';
import { DEPLOY_FINAL_STATUSES } from '@berth/sdk';
import { isBerthError } from '../errors.ts';
import { type RefUpdate, ZERO_COMMIT } from '../git/index.ts';
import type { Actor } from '../identity/actor.ts';
import type { SourceTriggers } from './settings-service.ts';
import type { SourceSpec } from './source.ts';

export interface TriggerDeps {
  triggers(code: string): Promise<SourceTriggers>;
  deploySource(
    actor: Actor | null,
    code: string,
    env: EnvName,
    spec: Extract<SourceSpec, { type: 'git' }>,
    options: { description?: string; trigger?: string },
  ): Promise<Deploy>;
  getDeploy(actor: Actor, id: string): Promise<Deploy>;
  /** Files a deploy request for a ref (where the environment needs approval). */
  fileRequest(actor: Actor, code: string, env: EnvName, ref: string, note: string): Promise<Deploy>;
  deployLogs(
    actor: Actor,
    id: string,
    options: { after: number },
  ): Promise<{ lines: Array<{ seq: number; line: string }>; nextAfter: number }>;
  /** Where an environment of the app is served. */
  appUrl(code: string, env: EnvName): string;
  /** How often a followed deploy's log is read (ms). */
  pollMs?: number;
}

/** The environment a ref deploys to under these settings, or why it does not deploy. */
export function targetOf(triggers: SourceTriggers, ref: string): { env: EnvName } | { skip: string } {
  if (ref === `refs/heads/${triggers.branch}`) {
    return triggers.branchEnv
      ? { env: triggers.branchEnv }
      : { skip: `${triggers.branch} is set not to deploy` };
  }
  if (ref.startsWith('refs/tags/')) {
    return triggers.tagEnv ? { env: triggers.tagEnv } : { skip: 'tags are stored without deploying' };
  }
  return { skip: `only ${triggers.branch} deploys` };
}

export interface PushOut {
  line(text: string): void;
}

export function createTriggeredDeploys(deps: TriggerDeps) {
  const pollMs = deps.pollMs ?? 300;

  /** Follows a deploy's log into `out` until it ends; resolves with its final state. */
  async function follow(actor: Actor, deploy: Deploy, out: PushOut, signal: AbortSignal): Promise<Deploy> {
    let after = 0;
    let current = deploy;
    for (;;) {
      const page = await deps.deployLogs(actor, deploy.id, { after });
      for (const l of page.lines) out.line(l.line);
      after = page.nextAfter;
      if ((DEPLOY_FINAL_STATUSES as readonly string[]).includes(current.status) && page.lines.length === 0)
        return current;
      if (signal.aborted) return current;
      await new Promise((r) => setTimeout(r, pollMs));
      current = await deps.getDeploy(actor, deploy.id);
    }
  }

  /** Where the environment needs approval, the push files a deploy request of its commit instead. */
  async function requestInstead(
    actor: Actor,
    code: string,
    env: EnvName,
    u: RefUpdate,
    name: string,
    out: PushOut,
  ) {
    try {
      const request = await deps.fileRequest(
        actor,
        code,
        env,
        u.ref,
        `push of ${name} (${u.newCommit.slice(0, 12)})`,
      );
      out.line(
        `${env} needs approval: filed deploy request ${request.id} for ${name} (${u.newCommit.slice(0, 12)})`,
      );
      out.line(`An approver decides it: berth requests show ${request.id}`);
    } catch (err) {
      if (!isBerthError(err)) throw err;
      out.line(`${name} stored, not deployed to ${env}: ${err.message} (${err.code})`);
    }
  }

  return {
    /**
     * After a push to the hosted repository moved refs: deploys what the settings say, following each
     * deploy in the push's output. A deleted branch or tag deploys nothing.
     */
    async pushed(
      actor: Actor,
      code: string,
      updates: readonly RefUpdate[],
      out: PushOut,
      signal: AbortSignal,
    ) {
      const triggers = await deps.triggers(code);
      for (const u of updates) {
        const name = u.ref.replace(/^refs\/(heads|tags)\//, '');
        if (u.newCommit === ZERO_COMMIT) {
          out.line(`${name} deleted: nothing deployed, what serves keeps serving`);
          continue;
        }
        const target = targetOf(triggers, u.ref);
        if ('skip' in target) {
          out.line(`${name} stored (${target.skip})`);
          continue;
        }
        let deploy: Deploy;
        try {
          deploy = await deps.deploySource(
            actor,
            code,
            target.env,
            { type: 'git', repository: 'hosted', ref: u.ref, commit: u.newCommit },
            { description: `push of ${name} (${u.newCommit.slice(0, 12)})`, trigger: `push:${u.ref}` },
          );
        } catch (err) {
          if (!isBerthError(err)) throw err;
          if (err.code === 'APPROVAL_REQUIRED') {
            await requestInstead(actor, code, target.env, u, name, out);
            continue;
          }
          out.line(`${name} stored, not deployed to ${target.env}: ${err.message} (${err.code})`);
          continue;
        }
        out.line(`Deploying ${name} (${u.newCommit.slice(0, 12)}) to ${target.env}: deploy ${deploy.id}`);
        const done = await follow(actor, deploy, out, signal);
        if (done.status === 'succeeded') {
          out.line(
            `Deployed ${name} to ${target.env}: v${done.release} serves ${deps.appUrl(code, target.env)}`,
          );
        } else if (done.error?.code === 'BUILD_SUPERSEDED') {
          out.line(`Not deployed: ${done.error.message}`);
        } else if ((DEPLOY_FINAL_STATUSES as readonly string[]).includes(done.status)) {
          const why = done.error ? `${done.error.message} (${done.error.code})` : done.status;
          out.line(`Deploy ${deploy.id} ${done.status}: ${why}`);
          out.line('The release that was serving keeps serving.');
        } else {
          out.line(`Deploy ${deploy.id} goes on without this push's output: berth deploys show ${deploy.id}`);
        }
      }
    },

    /**
     * A verified webhook delivery of a push or a tag of the external repository: deploys it as the
     * settings say (the platform deploys; no user is behind it). Resolves with what it started or why not.
     */
    async delivered(d: { code: string; ref: string; provider: string }): Promise<{
      deployId?: string;
      env?: EnvName;
      ignored?: string;
    }> {
      const triggers = await deps.triggers(d.code);
      if (triggers.repository !== 'external') {
        return {
          ignored: 'the app deploys from its hosted repository: set the external repository as its source',
        };
      }
      const target = targetOf(triggers, d.ref);
      if ('skip' in target) return { ignored: target.skip };
      // The ref is deployed as the repository has it when the deploy fetches, not as the payload
      // says: a delivery replayed long after (or an annotated tag's object id) cannot roll back.
      const name = d.ref.replace(/^refs\/(heads|tags)\//, '');
      let deploy: Deploy;
      try {
        deploy = await deps.deploySource(
          null,
          d.code,
          target.env,
          { type: 'git', repository: 'external', ref: d.ref },
          { description: `${d.provider} webhook: ${name}`, trigger: `webhook:${d.ref}` },
        );
      } catch (err) {
        // No user is behind a delivery, so nobody to file a request for: it is ignored, saying why.
        if (isBerthError(err, 'APPROVAL_REQUIRED')) return { ignored: err.message };
        throw err;
      }
      return { deployId: deploy.id, env: target.env };
    },
  };
}

export type TriggeredDeploys = ReturnType<typeof createTriggeredDeploys>;
