// The value parsers: the one `--since` grammar and `berth scale TYPE=COUNT`.
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.ts';
import { parseWhen as sinceTime } from '../src/since.ts';
import { formationArgs as parseFormation } from '../src/validate.ts';

function usage(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('USAGE');
    return err as CliError;
  }
  throw new Error('no usage error');
}

describe('parseWhen', () => {
  const now = Date.parse('2026-11-23T15:00:00Z');
  it('takes durations ago, ISO dates and epoch ms', () => {
    expect(sinceTime('30s', now)).toBe(now - 30_000);
    expect(sinceTime('10m', now)).toBe(now - 600_000);
    expect(sinceTime('2h', now)).toBe(now - 7_200_000);
    expect(sinceTime('1d', now)).toBe(now - 86_400_000);
    expect(sinceTime('2026-11-23T14:00:00Z', now)).toBe(now - 3_600_000);
    expect(sinceTime('1795000000000', now)).toBe(1_795_000_000_000);
  });
  it('refuses anything else', () => {
    for (const raw of ['yesterday', '10', '5x', '-10m', '2026-13-45', '']) usage(() => sinceTime(raw, now));
  });
});

describe('formationArgs', () => {
  it('turns TYPE=COUNT arguments into the formation', () => {
    expect(parseFormation(['web=2', 'worker=0', 'constructor=1'])).toEqual({
      web: 2,
      worker: 0,
      constructor: 1,
    });
  });
  it('refuses bad types, counts and repeats', () => {
    for (const args of [
      ['web'],
      ['web=-1'],
      ['web=two'],
      ['Web=1'],
      ['=1'],
      ['1web=1'],
      ['web=1', 'web=2'],
      ['web=101'],
    ]) {
      usage(() => parseFormation(args));
    }
  });
});
