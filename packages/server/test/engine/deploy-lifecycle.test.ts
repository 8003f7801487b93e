// The deploy lifecycle's moves: what may follow what, and nothing leaves a final status.
import { DEPLOY_FINAL_STATUSES, DEPLOY_STATUSES, type DeployStatus } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { canMove, isFinal, sourcesOf, statusOfJob } from '../../src/engine/deploy-lifecycle.ts';

describe('deploy lifecycle', () => {
  it('moves a request only to a decision, and a decision only forward', () => {
    expect(DEPLOY_STATUSES.filter((to) => canMove('requested', to))).toEqual([
      'approved',
      'refused',
      'withdrawn',
    ]);
    expect(DEPLOY_STATUSES.filter((to) => canMove('approved', to))).toEqual([
      'withdrawn',
      'queued',
      'cancelled',
    ]);
    expect(DEPLOY_STATUSES.filter((to) => canMove('queued', to))).toEqual(['running', 'failed', 'cancelled']);
    expect(DEPLOY_STATUSES.filter((to) => canMove('running', to))).toEqual([
      'queued',
      'succeeded',
      'failed',
      'cancelled',
    ]);
  });

  it('never leaves a final status, and the SDK names the same final statuses', () => {
    for (const from of DEPLOY_STATUSES) {
      const final = DEPLOY_STATUSES.every((to) => !canMove(from, to));
      expect(isFinal(from)).toBe(final);
      expect((DEPLOY_FINAL_STATUSES as readonly DeployStatus[]).includes(from)).toBe(final);
    }
  });

  it('cannot skip approval: nothing reaches queued from requested, or running from approved', () => {
    expect(canMove('requested', 'queued')).toBe(false);
    expect(canMove('requested', 'running')).toBe(false);
    expect(canMove('approved', 'running')).toBe(false);
    expect(canMove('refused', 'approved')).toBe(false);
    expect(canMove('withdrawn', 'approved')).toBe(false);
    expect(sourcesOf('approved')).toEqual(['requested']);
    expect(sourcesOf('queued')).toEqual(['approved', 'running']);
  });

  it('follows a job only through the statuses a job has', () => {
    for (const s of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) expect(statusOfJob(s)).toBe(s);
    expect(statusOfJob('requested')).toBeUndefined();
    expect(statusOfJob('paused')).toBeUndefined();
  });
});
