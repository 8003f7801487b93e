// The pure rules of what an ended attempt does to a job, and the retry back-off.
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/jobs/backoff.ts';
import type { JobRow } from '../../src/jobs/job-record.ts';
import { failed, released, succeeded, WORKER_LOST, workerLost } from '../../src/jobs/settlements.ts';

const T = 1_000_000;
const backoff = { baseMs: 2000, maxMs: 60_000 };

function row(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: 'job_1',
    kind: 'k',
    app_code: null,
    job_key: null,
    payload: 'null',
    state: null,
    result: null,
    error: null,
    error_code: null,
    status: 'running',
    attempts: 1,
    max_attempts: 3,
    run_at: 0,
    lease_owner: 'w',
    runs_on: null,
    lease_expires_at: T + 1000,
    cancel_requested: 0,
    log_seq: 0,
    created_at: 0,
    started_at: 0,
    finished_at: null,
    updated_at: 0,
    ...overrides,
  };
}

describe('retry back-off', () => {
  it('doubles per attempt between half and all of the ceiling, capped', () => {
    expect(retryDelayMs(1, backoff, () => 0)).toBe(1000);
    expect(retryDelayMs(1, backoff, () => 1)).toBe(2000);
    expect(retryDelayMs(2, backoff, () => 1)).toBe(4000);
    expect(retryDelayMs(3, backoff, () => 0.5)).toBe(6000);
    expect(retryDelayMs(20, backoff, () => 1)).toBe(60_000);
    expect(retryDelayMs(1000, backoff, () => 0)).toBe(30_000);
  });
});

describe('settlements', () => {
  it('a failure with attempts left is queued again after the back-off', () => {
    const s = failed(row({ attempts: 2 }), { message: 'boom' }, T, backoff, () => 1);
    expect(s.patch).toEqual({
      status: 'queued',
      run_at: T + 4000,
      error: 'boom',
      error_code: 'JOB_FAILED',
      lease_owner: null,
      lease_expires_at: null,
    });
    expect(s.log).toEqual({ level: 'warn', line: 'attempt 2/3 failed: boom; retrying in 4.0s' });
  });

  it('a failure on the last attempt, or a permanent one, fails the job', () => {
    expect(failed(row({ attempts: 3 }), { message: 'boom' }, T, backoff, () => 1).patch).toMatchObject({
      status: 'failed',
      finished_at: T,
      error: 'boom',
    });
    const permanent = failed(row(), { message: 'no image', permanent: true }, T, backoff, () => 1);
    expect(permanent.patch).toMatchObject({ status: 'failed', error: 'no image' });
    expect(permanent.log!.line).toBe('attempt 1/3 failed: no image (not retryable)');
  });

  it('a permanent failure its handler reported adds no line of the queue to the log', () => {
    const reported = { message: 'no image', permanent: true, reported: true };
    const s = failed(row(), reported, T, backoff, () => 1);
    expect(s.patch).toMatchObject({ status: 'failed', error: 'no image' });
    expect(s.log).toBeUndefined();
    // Reported but retryable: the queue still says it retries.
    expect(failed(row(), { ...reported, permanent: false }, T, backoff, () => 1).log!.line).toMatch(
      /^attempt 1\/3 failed: no image; retrying in/,
    );
  });

  it('a requested cancel wins over a retry', () => {
    expect(
      failed(row({ cancel_requested: 1 }), { message: 'aborted' }, T, backoff, () => 1).patch,
    ).toMatchObject({
      status: 'cancelled',
      finished_at: T,
    });
    expect(released(row({ cancel_requested: 1 }), T).patch.status).toBe('cancelled');
    expect(workerLost(row({ cancel_requested: 1 }), T).patch.status).toBe('cancelled');
  });

  it('success stores the result and clears the last error', () => {
    expect(succeeded('{"a":1}', T).patch).toEqual({
      status: 'succeeded',
      result: '{"a":1}',
      error: null,
      error_code: null,
      finished_at: T,
      lease_owner: null,
      lease_expires_at: null,
    });
  });

  it('a shutdown hands the job back without counting the attempt', () => {
    expect(released(row({ attempts: 2 }), T).patch).toMatchObject({
      status: 'queued',
      run_at: T,
      attempts: 1,
    });
  });

  it('a lost worker means another attempt, or failure when none is left', () => {
    expect(workerLost(row({ attempts: 2 }), T).patch).toMatchObject({
      status: 'queued',
      run_at: T,
      error: WORKER_LOST,
    });
    expect(workerLost(row({ attempts: 3 }), T).patch).toMatchObject({
      status: 'failed',
      error: WORKER_LOST,
      finished_at: T,
    });
  });
});
