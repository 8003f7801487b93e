// berth.yaml as a TypeBox schema: the one definition behind validation, the TypeScript type of the
// raw file and docs/app-manifest.schema.json (a test keeps that file equal to this schema).
import { type Static, Type } from '@sinclair/typebox';

export const MANIFEST_LIMITS = {
  /** berth.yaml, app.yml, Procfile and package.json are read up to this size. */
  maxFileBytes: 64 * 1024,
  maxProcessTypes: 16,
  maxProcessCount: 32,
  maxCommandChars: 4096,
  maxCommandArgs: 256,
  maxEnvVars: 200,
  maxEnvValueChars: 32 * 1024,
  minMemoryBytes: 16 * 1024 * 1024,
  maxMemoryBytes: 256 * 1024 ** 3,
  maxCpu: 256,
  minPids: 16,
  maxPids: 1_000_000,
  maxHealthStartTimeoutMs: 30 * 60_000,
  maxHealthIntervalMs: 10 * 60_000,
  maxHealthTimeoutMs: 5 * 60_000,
} as const;

export const RUNTIMES = ['node', 'python', 'static', 'custom'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const PROCESS_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,29}$';
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*([kKmMgGtT]([iI]?[bB])?)?$';
const DURATION_PATTERN = '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)?$';

export const CommandSchema = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: MANIFEST_LIMITS.maxCommandChars }),
    Type.Array(Type.String({ maxLength: MANIFEST_LIMITS.maxCommandChars }), {
      minItems: 1,
      maxItems: MANIFEST_LIMITS.maxCommandArgs,
    }),
  ],
  {
    description:
      'A command, never run through a shell: a list of arguments, or a string split into arguments ' +
      'like a shell would (quotes and backslashes). Pipes, &&, ;, redirections, variables, globs and ' +
      'substitutions are refused; write ["sh", "-c", "…"] to ask for a shell explicitly.',
  },
);

const DurationSchema = (description: string) =>
  Type.Union([Type.String({ maxLength: 32, pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })], {
    description: `${description} A duration: 500ms, 30s, 2m, 1h, or a number of seconds.`,
  });

export const ProcessSchema = Type.Object(
  {
    command: CommandSchema,
    count: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MANIFEST_LIMITS.maxProcessCount,
        default: 1,
        description: 'How many instances run (default 1).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ManifestSchema = Type.Object(
  {
    runtime: Type.Optional(
      Type.Union(
        RUNTIMES.map((r) => Type.Literal(r)),
        {
          description:
            'How the app is built. Detected from the files when absent; custom runs the build command alone.',
        },
      ),
    ),
    build: Type.Optional(CommandSchema),
    processes: Type.Optional(
      Type.Record(
        Type.String({ pattern: PROCESS_NAME_PATTERN }),
        Type.Union([ProcessSchema, CommandSchema]),
        {
          additionalProperties: false,
          maxProperties: MANIFEST_LIMITS.maxProcessTypes,
          description:
            'Process types by name (a-z 0-9 _ -, up to 30 characters). `web` receives HTTP traffic on $PORT. ' +
            'A bare command means count 1.',
        },
      ),
    ),
    release: Type.Optional(CommandSchema),
    health: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(
            Type.String({
              maxLength: 1024,
              pattern: '^/[\\x21-\\x7e]*$',
              description: 'The path the health check requests (default /). Starts with /, no spaces.',
            }),
          ),
          status: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: 599,
              description: 'The status that means healthy (default: any 2xx or 3xx).',
            }),
          ),
          startTimeout: Type.Optional(
            DurationSchema('How long a new instance may take to answer (default 60s).'),
          ),
          interval: Type.Optional(DurationSchema('Time between checks of a running instance (default 10s).')),
          timeout: Type.Optional(DurationSchema('How long one check may take (default 2s).')),
        },
        { additionalProperties: false },
      ),
    ),
    env: Type.Optional(
      Type.Record(
        Type.String({ pattern: ENV_NAME_PATTERN }),
        Type.Union([
          Type.String({ maxLength: MANIFEST_LIMITS.maxEnvValueChars }),
          Type.Number(),
          Type.Boolean(),
        ]),
        {
          additionalProperties: false,
          maxProperties: MANIFEST_LIMITS.maxEnvVars,
          description: 'Default environment variables; config vars of the same name override them.',
        },
      ),
    ),
    resources: Type.Optional(
      Type.Object(
        {
          memory: Type.Optional(
            Type.String({
              maxLength: 32,
              pattern: SIZE_PATTERN,
              description:
                'Memory limit per instance: a size with a unit, such as 256M or 1G (binary units).',
            }),
          ),
          cpu: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: MANIFEST_LIMITS.maxCpu,
              description: 'CPU limit per instance, in cores (0.5 = half a core).',
            }),
          ),
          pids: Type.Optional(
            Type.Integer({
              minimum: MANIFEST_LIMITS.minPids,
              maximum: MANIFEST_LIMITS.maxPids,
              description: 'Limit on processes and threads per instance.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    static: Type.Optional(
      Type.Object(
        {
          root: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 1024,
              description: 'The directory served, relative to the app (default: the app directory).',
            }),
          ),
          index: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 255,
              description: 'The file served for a directory (default index.html).',
            }),
          ),
          spa: Type.Optional(
            Type.Boolean({
              description: 'Serve the index for every path that matches no file (single-page apps).',
            }),
          ),
          dotfiles: Type.Optional(
            Type.Boolean({
              description:
                'Serve paths with a segment starting with a dot (.env, .git/…); default false (.well-known is always served).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Berth app manifest (berth.yaml)',
    description: 'How Berth builds and runs an app. See docs/app-manifest.md.',
    additionalProperties: false,
  },
);

/** berth.yaml as written, after schema validation (before normalisation). */
export type ManifestFile = Static<typeof ManifestSchema>;
