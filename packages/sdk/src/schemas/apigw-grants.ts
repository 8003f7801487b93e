// API gateway access: grants (a calling app may call one component of a system, or every component
// of it, optionally until a time) and trusted apps (apps an operator allowed to name a user without
// the user's session token). Systems and components are named, as their declarations name them.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, TimestampSchema } from './common.ts';

/** A system's name as grants take it (the declarations' rule). */
export const GRANT_SYSTEM_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
/** A component's name as grants take it. */
export const GRANT_COMPONENT_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

const ApigwSystemNameSchema = Type.String({
  pattern: GRANT_SYSTEM_PATTERN,
  description: 'A system name (case-sensitive), e.g. BK_SOPS',
});
const ApigwComponentNameSchema = Type.String({
  pattern: GRANT_COMPONENT_PATTERN,
  description: 'A component of the system, e.g. get_task_status',
});

export const ApigwGrantSchema = Type.Object(
  {
    id: Type.String(),
    /** The calling app. */
    app: AppCodeSchema,
    system: ApigwSystemNameSchema,
    component: Type.Union([ApigwComponentNameSchema, Type.Null()], {
      description: 'null: every component of the system',
    }),
    expiresAt: Type.Union([TimestampSchema, Type.Null()], { description: 'null: no expiry' }),
    expired: Type.Boolean({
      description: 'expiresAt has passed: calls are refused (APIGW_PERMISSION_EXPIRED)',
    }),
    grantedBy: Type.String(),
    createdAt: TimestampSchema,
  },
  { title: 'ApigwGrant' },
);
export type ApigwGrant = Static<typeof ApigwGrantSchema>;

export const ApigwGrantCreateBodySchema = Type.Object(
  {
    app: AppCodeSchema,
    system: ApigwSystemNameSchema,
    component: Type.Optional(ApigwComponentNameSchema),
    expiresAt: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false },
);
export type ApigwGrantCreateBody = Static<typeof ApigwGrantCreateBodySchema>;

export const ApigwGrantListQuerySchema = Type.Object(
  {
    app: Type.Optional(AppCodeSchema),
    system: Type.Optional(ApigwSystemNameSchema),
  },
  { additionalProperties: false },
);
export type ApigwGrantListQuery = Static<typeof ApigwGrantListQuerySchema>;

export const ApigwGrantParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const ApigwGrantResponseSchema = Type.Object({ grant: ApigwGrantSchema });
export type ApigwGrantResponse = Static<typeof ApigwGrantResponseSchema>;
export const ApigwGrantListResponseSchema = Type.Object({ items: Type.Array(ApigwGrantSchema) });
export type ApigwGrantListResponse = Static<typeof ApigwGrantListResponseSchema>;

export const ApigwTrustedAppSchema = Type.Object(
  {
    app: AppCodeSchema,
    trustedBy: Type.String(),
    createdAt: TimestampSchema,
  },
  { title: 'ApigwTrustedApp' },
);
export type ApigwTrustedApp = Static<typeof ApigwTrustedAppSchema>;

export const ApigwTrustedAppParamsSchema = Type.Object({ app: AppCodeSchema });
export const ApigwTrustedAppResponseSchema = Type.Object({ trustedApp: ApigwTrustedAppSchema });
export type ApigwTrustedAppResponse = Static<typeof ApigwTrustedAppResponseSchema>;
export const ApigwTrustedAppListResponseSchema = Type.Object({ items: Type.Array(ApigwTrustedAppSchema) });
export type ApigwTrustedAppListResponse = Static<typeof ApigwTrustedAppListResponseSchema>;
