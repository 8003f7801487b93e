// The words of a failed instance's report: secrets masked (longest first, line by line for
// multi-line values, not the too-short ones), the port an app says it listens on, exits in words,
// and the likely cause of a failed health check.
import { describe, expect, it } from 'vitest';
import {
  healthHint,
  maskSecrets,
  otherPortMentioned,
  secretValues,
} from '../../src/engine/instance-report.ts';
import { describeExit, UnhealthyError } from '../../src/engine/wait-healthy.ts';
import type { HealthCheck } from '../../src/manifest/index.ts';
import type { InstanceInfo } from '../../src/runtime/index.ts';

const health: HealthCheck = {
  path: '/healthz',
  status: undefined,
  startTimeoutMs: 60_000,
  intervalMs: 10_000,
  timeoutMs: 2000,
};
const info: InstanceInfo = {
  id: 'a-stag-v1-web-1-abcdef',
  app: 'a',
  env: 'stag',
  release: 1,
  processType: 'web',
  index: 1,
  state: 'running',
  restarts: 0,
  port: 41000,
  address: { host: '127.0.0.1', port: 41000 },
};

describe('secret masking', () => {
  it('masks secret vars and the app secret, not other vars or short values', () => {
    const vars = { TOKEN: 'tok-123456', PLAIN: 'visible', PIN: '42', BERTH_APP_SECRET: 'app-secret-xyz' };
    const secrets = secretValues(vars, ['TOKEN', 'PIN', 'MISSING']);
    expect(maskSecrets('token tok-123456 pin 42 app app-secret-xyz plain visible', secrets)).toBe(
      'token ******** pin 42 app ******** plain visible',
    );
  });

  it('masks each line of a multi-line secret, and a longer secret before one it contains', () => {
    const secrets = secretValues(
      { KEY: 'line-one-abc\nline-two-def', LONG: 'abc-secret-long', SHORT: 'abc-secret' },
      ['KEY', 'LONG', 'SHORT'],
    );
    expect(maskSecrets('got line-two-def', secrets)).toBe('got ********');
    expect(maskSecrets('x abc-secret-long y abc-secret', secrets)).toBe('x ******** y ********');
  });
});

describe('otherPortMentioned', () => {
  it('finds the port an app says it listens on, other than $PORT', () => {
    expect(otherPortMentioned(['booting', 'listening on 3000'], 41000)).toEqual({
      port: 3000,
      line: 'listening on 3000',
    });
    expect(otherPortMentioned([' * Running on http://127.0.0.1:5000'], 41000)?.port).toBe(5000);
    expect(otherPortMentioned(['Server started on port: 8080'], 41000)?.port).toBe(8080);
    expect(otherPortMentioned(['listening on 41000'], 41000)).toBeUndefined();
    expect(otherPortMentioned(['loaded 3000 records'], 41000)).toBeUndefined();
  });
});

describe('describeExit', () => {
  it('says the code, the signal, or the signal behind a code over 128', () => {
    expect(describeExit({ code: 3, signal: null, at: 0 })).toBe('exit code 3');
    expect(describeExit({ code: null, signal: 'SIGSEGV', at: 0 })).toBe('signal SIGSEGV');
    expect(describeExit({ code: 137, signal: null, at: 0 })).toBe('exit code 137 (killed by SIGKILL)');
    expect(describeExit(undefined)).toBe('no exit status');
  });
});

describe('healthHint', () => {
  const failure = (answer: { status: number | undefined; detail: string }) =>
    new UnhealthyError('not healthy', false, info, answer);
  it('names $PORT when nothing listens there and the app printed another port', () => {
    const hint = healthHint(
      failure({ status: undefined, detail: 'ECONNREFUSED' }),
      ['listening on 3000'],
      health,
    );
    expect(hint).toMatch(/^nothing listens on \$PORT=41000, but the app printed "listening on 3000"/);
    expect(healthHint(failure({ status: undefined, detail: 'ECONNREFUSED' }), [], health)).toMatch(
      /^nothing listens on \$PORT=41000: /,
    );
  });

  it('points at health.path on a 5xx or 404, says nothing on a timeout', () => {
    expect(healthHint(failure({ status: 503, detail: 'status 503' }), [], health)).toMatch(/health\.path/);
    expect(healthHint(failure({ status: 404, detail: 'status 404' }), [], health)).toMatch(/health\.path/);
    expect(healthHint(failure({ status: undefined, detail: 'timeout' }), [], health)).toBeUndefined();
  });
});
