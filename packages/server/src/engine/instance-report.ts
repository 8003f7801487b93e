// What the deploy log says when a new instance fails its check: the instance's last output lines
// (with the values of secret config vars and the app secret masked), how it ended, and the likely
// cause when one can be told (an app listening on another port than $PORT; a health path that
// answers 5xx or 404). Turns the failure into the deploy's error: INSTANCE_CRASHED when the app
// exited or crashed by itself, a DeployFailure when it ran but did not pass its health check.
import { SECRET_MASK } from '@berth/sdk';
import { BerthError, type ErrorCode, isBerthError } from '../errors.ts';
import type { HealthCheck } from '../manifest/index.ts';
import type { LogLine, RuntimeDriver } from '../runtime/index.ts';
import { describeAnswer, type UnhealthyError } from './wait-healthy.ts';

/** Lines of an instance's output the deploy log shows. */
export const REPORT_LINES = 40;
/** Shorter values are not masked: they would blank out ordinary words and numbers. */
const MIN_SECRET_LENGTH = 3;

/** The values to mask: those of the secret vars (by name) and the app secret. */
export function secretValues(vars: Record<string, string>, secretNames: readonly string[]): string[] {
  const values = [...secretNames.map((name) => vars[name]), vars['BERTH_APP_SECRET']];
  const parts = values.flatMap((v) => (v === undefined ? [] : [v, ...v.split(/\r?\n/).map((l) => l.trim())]));
  return [...new Set(parts.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of a secret value replaced by the mask (longest values first). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
  return out;
}

/** The last `n` lines the instance wrote (stdout and stderr), or none when its logs are gone. */
export async function lastOutput(driver: RuntimeDriver, id: string, n = REPORT_LINES): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  try {
    for await (const line of driver.logs(id, { tailLines: n })) lines.push(line);
  } catch (err) {
    if (!isBerthError(err, 'RUNTIME_INSTANCE_NOT_FOUND')) throw err;
  }
  return lines.slice(-n);
}

const HOST_PORT = /(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]*\]|\*):(\d{2,5})\b/g;
const SAID_PORT =
  /\b(?:port|listening(?: on| at)?|listen(?: on| at)?|running on|serving on|bound to|started on)\s*[:=]?\s*(\d{2,5})\b/gi;

/** A port the app says it listens on, other than `port`: the last one mentioned, with its line. */
export function otherPortMentioned(
  lines: readonly string[],
  port: number,
): { port: number; line: string } | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const found = [...line.matchAll(SAID_PORT), ...line.matchAll(HOST_PORT)]
      .map((m) => Number(m[1]))
      .filter((p) => p > 0 && p < 65536 && p !== port);
    if (found.length > 0) return { port: found[found.length - 1]!, line: line.trim() };
  }
  return undefined;
}

/** The likely cause of a failed health check, in one sentence, when it can be told. */
export function healthHint(
  err: UnhealthyError,
  output: readonly string[],
  health: HealthCheck,
): string | undefined {
  const answer = err.answer;
  const port = err.info?.port;
  // Refused: nothing listens (process runtime); reset: Docker's port forwarder found nothing there.
  const nobody = answer?.detail === 'ECONNREFUSED' || answer?.detail === 'ECONNRESET';
  if (port !== undefined && (answer === undefined || nobody)) {
    const other = otherPortMentioned(output, port);
    if (other) {
      const quoted = other.line.length > 120 ? `${other.line.slice(0, 117)}...` : other.line;
      return `nothing listens on $PORT=${port}, but the app printed "${quoted}": listen on the port in $PORT, not ${other.port}`;
    }
    if (nobody) return `nothing listens on $PORT=${port}: the app must listen on the port in $PORT`;
  }
  if (answer?.status !== undefined && (answer.status >= 500 || answer.status === 404)) {
    return `GET ${health.path} answered ${answer.status}: if that path is not the app's health check, set health.path in berth.yaml to one that answers 200 when the app is ready`;
  }
  return undefined;
}

/**
 * Writes the failed instance's last output, its end and the likely cause to the deploy log, and
 * returns the error the deploy fails with. Call before the instance is stopped (its logs are read
 * from the runtime).
 */
export async function explainFailure(
  driver: RuntimeDriver,
  err: UnhealthyError,
  health: HealthCheck,
  secrets: readonly string[],
  log: (line: string, level?: 'info' | 'warn' | 'error') => void,
): Promise<Error> {
  const output = err.info
    ? (await lastOutput(driver, err.info.id)).map((l) => maskSecrets(l.line, secrets))
    : [];
  if (err.info) {
    if (output.length === 0) log(`-----> ${err.info.id} wrote no output`, 'error');
    else {
      log(`-----> The last ${output.length} line(s) of ${err.info.id}:`, 'error');
      for (const line of output) log(`       ${line}`, 'error');
    }
  }
  if (err.crashed) {
    log('-----> The app stopped by itself: its last lines above say why; fix that and deploy again', 'error');
    return new BerthError('INSTANCE_CRASHED', err.message, { tail: output.slice(-3) });
  }
  const hint = healthHint(err, output, health);
  if (err.answer)
    log(`-----> The health check's last answer: ${describeAnswer(err.answer, health.timeoutMs)}`, 'error');
  if (hint) log(`-----> Likely cause: ${hint}`, 'error');
  return new DeployFailure(hint ? `${err.message}; ${hint}` : err.message, 'HEALTH_CHECK_FAILED');
}

/** A deploy's failure in its users' words, with the catalogue code it is recorded with. */
export class DeployFailure extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'DEPLOY_FAILED') {
    super(message);
    this.name = 'DeployFailure';
    this.code = code;
  }
}
