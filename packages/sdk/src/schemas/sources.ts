// Wire schemas of sources: where a release's code came from (an uploaded package, a git commit, a
// Docker image), the builds that turned it into an artifact, an app's source settings (repository,
// credentials, what a push deploys, the pinned manifest), and the deploys that start from a git ref
// or an image instead of an upload.
import { type Static, Type } from '@sinclair/typebox';
import { EnvNameSchema, TimestampSchema } from './common.ts';
import { PageQuerySchema, pageSchema } from './page.ts';

export const SOURCE_TYPES = ['package', 'git', 'image'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
/** The repository of a git source: the app's hosted one, or the external one its settings name. */
export const REPOSITORY_KINDS = ['hosted', 'external'] as const;
export type RepositoryKind = (typeof REPOSITORY_KINDS)[number];
export const BUILD_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
/** How Berth authenticates to an external repository. */
export const REPOSITORY_AUTH = ['none', 'token', 'ssh'] as const;
/** Manifest fields an operator may pin (berth.yaml's top-level keys). */
export const PINNABLE_FIELDS = [
  'runtime',
  'processes',
  'release',
  'build',
  'env',
  'health',
  'resources',
  'static',
] as const;
export type PinnableField = (typeof PINNABLE_FIELDS)[number];

const CommitSchema = Type.String({ pattern: '^[0-9a-f]{40}$', description: 'A full commit id' });
export const GIT_REF_MAX = 255;
const RefSchema = Type.String({
  minLength: 1,
  maxLength: GIT_REF_MAX,
  description: 'A branch (`main`), a tag (`v1.2.0`), a full ref (`refs/tags/v1.2.0`) or a commit id',
});

/** Where a build's code came from, exactly: the identity builds are reused by. */
export const SourceOriginSchema = Type.Union(
  [
    Type.Object({
      type: Type.Literal('package'),
      sha256: Type.String({ description: 'SHA-256 of the uploaded package (hex)' }),
    }),
    Type.Object({
      type: Type.Literal('git'),
      repository: Type.Union(REPOSITORY_KINDS.map((k) => Type.Literal(k))),
      url: Type.Optional(Type.String({ description: 'The external repository (never with credentials)' })),
      ref: Type.Optional(Type.String({ description: 'The full ref that was asked for, if not a commit id' })),
      commit: CommitSchema,
    }),
    Type.Object({
      type: Type.Literal('image'),
      image: Type.String({ description: 'The image as it was named' }),
      digest: Type.String({ description: 'The image it resolved to (sha256:…), pinned in the release' }),
    }),
  ],
  { $id: 'SourceOrigin', title: 'SourceOrigin' },
);
export type SourceOrigin = Static<typeof SourceOriginSchema>;

export const BuildSchema = Type.Object(
  {
    id: Type.String(),
    app: Type.String(),
    env: EnvNameSchema,
    status: Type.Union(BUILD_STATUSES.map((s) => Type.Literal(s))),
    origin: SourceOriginSchema,
    deployId: Type.String({ description: 'The deploy that ran the build' }),
    release: Type.Optional(Type.Integer({ minimum: 1, description: 'The release the build made' })),
    reused: Type.Integer({ minimum: 0, description: 'Deploys that reused the artifact instead of building' }),
    createdAt: TimestampSchema,
    finishedAt: Type.Optional(TimestampSchema),
  },
  { $id: 'Build', title: 'Build' },
);
export type Build = Static<typeof BuildSchema>;
export const BuildListQuerySchema = PageQuerySchema;
export const BuildListResponseSchema = pageSchema('builds', BuildSchema);
export type BuildListResponse = Static<typeof BuildListResponseSchema>;

export const GitDeployBodySchema = Type.Object(
  {
    ref: RefSchema,
    repository: Type.Optional(
      Type.Union(
        REPOSITORY_KINDS.map((k) => Type.Literal(k)),
        { description: 'Which repository: hosted (default when no external one is set) or external' },
      ),
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type GitDeployBody = Static<typeof GitDeployBodySchema>;
/** An image reference: `[registry[:port]/]path[:tag][@sha256:…]`, lower-case path components. */
export const IMAGE_REFERENCE_PATTERN =
  '^(?:([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?)/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$';
export const ImageReferenceSchema = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: IMAGE_REFERENCE_PATTERN,
  description: 'An image on the Docker host or in an allowed registry: name[:tag] or name@sha256:…',
});
export const ImageDeployBodySchema = Type.Object(
  {
    image: ImageReferenceSchema,
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type ImageDeployBody = Static<typeof ImageDeployBodySchema>;

const EnvOrNull = Type.Union([EnvNameSchema, Type.Null()]);

export const SourceSettingsSchema = Type.Object(
  {
    repository: Type.Union(
      REPOSITORY_KINDS.map((k) => Type.Literal(k)),
      { description: 'Which repository `deploy --ref` and webhooks use by default' },
    ),
    hosted: Type.Object({
      remote: Type.String({ description: 'The git remote of the hosted repository' }),
    }),
    external: Type.Optional(
      Type.Object({
        url: Type.String(),
        auth: Type.Union(REPOSITORY_AUTH.map((a) => Type.Literal(a))),
        username: Type.Optional(Type.String()),
        knownHosts: Type.Optional(
          Type.String({ description: 'SSH: the pinned host keys (known_hosts lines)' }),
        ),
      }),
    ),
    branch: Type.String({ description: 'The deploy branch: a push (or webhook) of it deploys' }),
    branchEnv: Type.Union([EnvNameSchema, Type.Null()], {
      description: 'Where the deploy branch deploys (default stag; null: pushes only store)',
    }),
    tagEnv: Type.Union([EnvNameSchema, Type.Null()], {
      description: 'Where pushed tags deploy (default null: tags are only stored)',
    }),
    pin: Type.Optional(
      Type.Object({
        fields: Type.Array(Type.Union(PINNABLE_FIELDS.map((f) => Type.Literal(f)))),
        manifest: Type.String({ description: 'The pinned berth.yaml text' }),
        pinnedBy: Type.String(),
        pinnedAt: TimestampSchema,
      }),
    ),
  },
  { $id: 'SourceSettings', title: 'SourceSettings' },
);
export type SourceSettings = Static<typeof SourceSettingsSchema>;
export const SourceSettingsResponseSchema = Type.Object({ source: SourceSettingsSchema });
export type SourceSettingsResponse = Static<typeof SourceSettingsResponseSchema>;

export const SourceSettingsUpdateSchema = Type.Object(
  {
    repository: Type.Optional(Type.Union(REPOSITORY_KINDS.map((k) => Type.Literal(k)))),
    external: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2048 }),
            username: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            token: Type.Optional(
              Type.String({ minLength: 1, maxLength: 4096, description: 'HTTPS token (write-only)' }),
            ),
            sshKey: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 16384,
                description: 'SSH deploy key, private (write-only)',
              }),
            ),
            knownHosts: Type.Optional(
              Type.String({
                maxLength: 16384,
                description: 'known_hosts lines to pin (else the first fetch pins)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: GIT_REF_MAX })),
    branchEnv: Type.Optional(EnvOrNull),
    tagEnv: Type.Optional(EnvOrNull),
  },
  { additionalProperties: false },
);
export type SourceSettingsUpdate = Static<typeof SourceSettingsUpdateSchema>;

export const ManifestPinBodySchema = Type.Object(
  {
    manifest: Type.String({ minLength: 1, maxLength: 256 * 1024, description: 'berth.yaml text' }),
    fields: Type.Optional(
      Type.Array(Type.Union(PINNABLE_FIELDS.map((f) => Type.Literal(f))), {
        minItems: 1,
        uniqueItems: true,
        description: 'The fields pinned (default: every field the manifest sets)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ManifestPinBody = Static<typeof ManifestPinBodySchema>;

/** What `berth git remote` prints. */
export const GitRemoteSchema = Type.Object({
  remote: Type.String(),
  username: Type.String({ description: 'The user name to push with (yours); the password is an API token' }),
});
export type GitRemote = Static<typeof GitRemoteSchema>;
