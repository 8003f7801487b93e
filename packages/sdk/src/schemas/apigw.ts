// The API gateway's declarations: systems (a named group of APIs) and their components (one API
// each: a path and method on the gateway, forwarded to a path of an app environment), declared in
// YAML files per system (docs/apigw.md) and synced, exported or edited through the API.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, EnvNameSchema, TimestampSchema } from './common.ts';

/** A system's name: BlueKing's look like `BK_SOPS`. Case-sensitive; `compapi` is taken by the route
 *  `/api/c/compapi/{path}`. */
export const APIGW_SYSTEM_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
/** The system built into berthd (user lookup, app info, notifications): its components are answered
 *  by berthd itself, and no system file may declare it (any case). */
export const APIGW_BUILTIN_SYSTEM = 'berth';
/** A component's name, unique in its system. */
export const APIGW_COMPONENT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,127}$';

export const APIGW_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY'] as const;
export type ApigwMethod = (typeof APIGW_METHODS)[number];
/** The methods a call is forwarded with (`ANY` is not one). */
export const APIGW_DEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ApigwDestMethod = (typeof APIGW_DEST_METHODS)[number];
export const APIGW_TYPES = ['query', 'operate'] as const;
export type ApigwType = (typeof APIGW_TYPES)[number];
/** unlimited: any authenticated app may call it without a grant; normal and sensitive need one. */
export const APIGW_PERM_LEVELS = ['unlimited', 'normal', 'sensitive'] as const;
export type ApigwPermLevel = (typeof APIGW_PERM_LEVELS)[number];
/** Per second, minute, hour or day, as written in `rate_limit: 100/min`. */
export const APIGW_RATE_UNITS = ['s', 'min', 'h', 'd'] as const;
export type ApigwRateUnit = (typeof APIGW_RATE_UNITS)[number];

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const ApigwSystemNameSchema = Type.String({
  pattern: APIGW_SYSTEM_NAME_PATTERN,
  minLength: 1,
  maxLength: 64,
  description: 'A letter, then up to 63 letters, digits and _ (case-sensitive)',
});

export const ApigwRateLimitSchema = Type.Object(
  {
    calls: Type.Integer({ minimum: 1 }),
    per: literals(APIGW_RATE_UNITS, 'second, minute, hour or day'),
  },
  { description: 'At most `calls` calls per `per` by each calling app' },
);
export type ApigwRateLimit = Static<typeof ApigwRateLimitSchema>;

export const ApigwSystemSchema = Type.Object(
  {
    name: ApigwSystemNameSchema,
    label: Type.String(),
    owner: Type.Optional(AppCodeSchema),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, description: "The components' default timeout (else the platform's)" }),
    ),
    docs: Type.Optional(Type.String({ description: 'Markdown' })),
    builtIn: Type.Optional(
      Type.Boolean({ description: 'true: built into berthd (the system berth), not declared in a file' }),
    ),
  },
  { title: 'ApigwSystem' },
);
export type ApigwSystem = Static<typeof ApigwSystemSchema>;

export const ApigwDestSchema = Type.Object({
  app: AppCodeSchema,
  env: EnvNameSchema,
  path: Type.String({
    description: "Path under the app's environment; `{var}` placeholders come from the call",
  }),
});
export type ApigwDest = Static<typeof ApigwDestSchema>;

export const ApigwComponentSchema = Type.Object(
  {
    system: ApigwSystemNameSchema,
    name: Type.String({ pattern: APIGW_COMPONENT_NAME_PATTERN }),
    label: Type.String(),
    labelEn: Type.Optional(Type.String()),
    compCodename: Type.Optional(
      Type.String({ description: "BlueKing's implementing class (kept, not used)" }),
    ),
    path: Type.String({ description: 'Starts with /; `{var}` segments match one segment each' }),
    method: literals(APIGW_METHODS, 'ANY matches every method'),
    /** Where the call goes; absent for a built-in component (berthd answers it). */
    dest: Type.Optional(ApigwDestSchema),
    destHttpMethod: Type.Optional(literals(APIGW_DEST_METHODS, "Default: the call's method")),
    type: literals(APIGW_TYPES, 'query reads, operate changes'),
    permLevel: literals(APIGW_PERM_LEVELS, 'unlimited: no grant needed'),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: "Default: the system's" })),
    rateLimit: Type.Optional(ApigwRateLimitSchema),
    hidden: Type.Boolean({ description: 'Left out of lists for users other than admins and operators' }),
    docs: Type.Optional(Type.String({ description: 'Markdown' })),
    builtIn: Type.Optional(
      Type.Boolean({ description: 'true: answered by berthd itself (the system berth), no destination app' }),
    ),
  },
  { title: 'ApigwComponent' },
);
export type ApigwComponent = Static<typeof ApigwComponentSchema>;

export const ApigwSystemSummarySchema = Type.Object(
  {
    ...ApigwSystemSchema.properties,
    components: Type.Integer({ minimum: 0, description: 'How many components it has' }),
    updatedAt: TimestampSchema,
    updatedBy: Type.String(),
  },
  { title: 'ApigwSystemSummary' },
);
export type ApigwSystemSummary = Static<typeof ApigwSystemSummarySchema>;

/** One system file: `{system}.yaml` and its text. */
export const ApigwFileSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255, description: 'File name, e.g. BK_SOPS.yaml' }),
  text: Type.String({ maxLength: 1_048_576 }),
});
export type ApigwFile = Static<typeof ApigwFileSchema>;

const ComponentKeySchema = Type.Object({ system: Type.String(), name: Type.String() });
const FieldsSchema = Type.Array(Type.String(), {
  description: "The YAML fields that differ ('order': the components' order)",
});

export const ApigwSyncPlanSchema = Type.Object(
  {
    systems: Type.Object({
      add: Type.Array(Type.String()),
      change: Type.Array(Type.Object({ name: Type.String(), fields: FieldsSchema })),
      remove: Type.Array(Type.String()),
    }),
    components: Type.Object({
      add: Type.Array(ComponentKeySchema),
      change: Type.Array(Type.Object({ ...ComponentKeySchema.properties, fields: FieldsSchema })),
      remove: Type.Array(ComponentKeySchema),
    }),
  },
  { title: 'ApigwSyncPlan' },
);
export type ApigwSyncPlan = Static<typeof ApigwSyncPlanSchema>;

export const ApigwSyncBodySchema = Type.Object(
  {
    files: Type.Array(ApigwFileSchema, {
      maxItems: 1000,
      description: 'Every system file: a system without one is removed',
    }),
    dryRun: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type ApigwSyncBody = Static<typeof ApigwSyncBodySchema>;
export const ApigwSyncResponseSchema = Type.Object({
  plan: ApigwSyncPlanSchema,
  applied: Type.Boolean({ description: 'false for a dry run and when there was nothing to change' }),
});
export type ApigwSyncResponse = Static<typeof ApigwSyncResponseSchema>;

export const ApigwExportResponseSchema = Type.Object({ files: Type.Array(ApigwFileSchema) });
export type ApigwExportResponse = Static<typeof ApigwExportResponseSchema>;

export const ApigwSystemListResponseSchema = Type.Object({ items: Type.Array(ApigwSystemSummarySchema) });
export type ApigwSystemListResponse = Static<typeof ApigwSystemListResponseSchema>;

export const ApigwSystemParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export const ApigwSystemResponseSchema = Type.Object({
  system: ApigwSystemSummarySchema,
  components: Type.Array(ApigwComponentSchema),
});
export type ApigwSystemResponse = Static<typeof ApigwSystemResponseSchema>;

export const ApigwSystemPutBodySchema = Type.Object(
  { text: Type.String({ maxLength: 1_048_576, description: "The system's YAML file (either shape)" }) },
  { additionalProperties: false },
);
export type ApigwSystemPutBody = Static<typeof ApigwSystemPutBodySchema>;
export const ApigwSystemPutResponseSchema = Type.Object({
  ...ApigwSystemResponseSchema.properties,
  plan: ApigwSyncPlanSchema,
});
export type ApigwSystemPutResponse = Static<typeof ApigwSystemPutResponseSchema>;

export const ApigwComponentQuerySchema = Type.Object({
  system: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type ApigwComponentQuery = Static<typeof ApigwComponentQuerySchema>;
export const ApigwComponentListResponseSchema = Type.Object({ items: Type.Array(ApigwComponentSchema) });
export type ApigwComponentListResponse = Static<typeof ApigwComponentListResponseSchema>;
