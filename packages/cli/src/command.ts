// The shape of a CLI command and of a group of commands (`berth apps create` is command `create` of
// group `apps`). The dispatcher (run.ts) parses arguments from these declarations and renders help.
import type { BerthClient } from '@berth/sdk';
import type { CredentialStore } from './credentials.ts';
import type { Hints } from './errors.ts';
import type { Output } from './output.ts';
import type { Terminal } from './terminal.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help for string options, e.g. `NAME`. */
  value?: string;
  /** A string option that may be given several times (`ctx.strs` reads every value). */
  multiple?: boolean;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface Command {
  name: string;
  summary: string;
  /** Everything after `berth <group> <name>` in the usage line, e.g. `CODE --name NAME`. */
  usage: string;
  /** How many positional arguments are allowed: [min, max]. */
  args: [number, number];
  options?: OptionSpecs;
  /** Extra lines for the command's help. */
  notes?: string[];
  /** Words shell completion offers for the arguments, given the command table (e.g. shell names). */
  argWords?: (groups: Group[]) => string[];
  /** What to do instead when the server refuses with one of these codes (errors.ts withHint). */
  hints?: (ctx: CommandContext) => Hints;
  run(ctx: CommandContext): Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
  /** The command that runs when no command name is given (`berth config --app x` lists). */
  defaultCommand?: string;
  /**
   * A group that is one command (`berth login`, `berth audit`): its only command runs and every
   * positional argument belongs to it.
   */
  single?: boolean;
  notes?: string[];
}

/** Where the CLI reads and writes: the real process in main.ts, anything in a test. */
export interface Io {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  hostname: string;
  version: string;
  /**
   * Aborted on Ctrl-C (main.ts wires SIGINT to it; a test aborts it itself): the command stops and
   * the CLI exits 130.
   */
  interrupt?: AbortSignal;
}

export interface CommandContext {
  io: Io;
  /** Positional arguments after the command name. */
  args: string[];
  /** `--json` was given. */
  json: boolean;
  /** Aborted on Ctrl-C: long waits (follows, polls, streams) stop on it. */
  signal: AbortSignal;
  /** The CLI's exit code after a command that ends without an error (0 unless it sets one:
   *  `berth run` passes its command's through). */
  exitCode: number;
  out: Output;
  terminal: Terminal;
  credentials: CredentialStore;
  /** A string option's value (undefined when absent; the last one of a repeatable option). */
  str(name: string): string | undefined;
  /** Every value of a repeatable string option, in order (empty when absent). */
  strs(name: string): string[];
  /** A boolean option. */
  flag(name: string): boolean;
  /** The server URL to use: `--server`, then BERTH_URL, then the stored one. */
  server(): string | undefined;
  /** An API client with the stored (or BERTH_TOKEN) credentials; throws NOT_LOGGED_IN without. */
  client(): BerthClient;
}
