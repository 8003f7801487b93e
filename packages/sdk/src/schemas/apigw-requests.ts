// API gateway permission requests: a developer of a calling app asks for a grant (one component of a
// system, or all of it, optionally until a time) with a reason; whoever may grant calls to that
// system (admins, operators, developer members of its owner app) approves it, which writes the grant,
// or refuses it with a reason; the requester may withdraw it while it is open. One open request per
// app and target: a second is refused with the first one's id.
import { type Static, Type } from '@sinclair/typebox';
import { GRANT_COMPONENT_PATTERN, GRANT_SYSTEM_PATTERN } from './apigw-grants.ts';
import { AppCodeSchema, TimestampSchema } from './common.ts';

export const APIGW_REQUEST_STATUSES = ['requested', 'approved', 'refused', 'withdrawn'] as const;
export type ApigwRequestStatus = (typeof APIGW_REQUEST_STATUSES)[number];
/** The longest reason a request or a decision carries. */
export const APIGW_REQUEST_REASON_MAX = 2000;

const StatusSchema = Type.Union(
  APIGW_REQUEST_STATUSES.map((s) => Type.Literal(s)),
  { description: 'requested (open) → approved (the grant is written) | refused | withdrawn' },
);
const SystemSchema = Type.String({
  pattern: GRANT_SYSTEM_PATTERN,
  description: 'A system name (case-sensitive)',
});
const ComponentSchema = Type.String({
  pattern: GRANT_COMPONENT_PATTERN,
  description: 'A component of the system',
});
const ReasonSchema = Type.String({ minLength: 1, maxLength: APIGW_REQUEST_REASON_MAX });

export const ApigwPermissionRequestSchema = Type.Object(
  {
    id: Type.String(),
    /** The app that would call. */
    app: AppCodeSchema,
    system: SystemSchema,
    component: Type.Union([ComponentSchema, Type.Null()], {
      description: 'null: every component of the system',
    }),
    expiresAt: Type.Union([TimestampSchema, Type.Null()], {
      description: 'The expiry the grant would have (null: none)',
    }),
    reason: Type.String({ description: "The requester's reason" }),
    status: StatusSchema,
    requestedBy: Type.String(),
    createdAt: TimestampSchema,
    decidedBy: Type.Union([Type.String(), Type.Null()], {
      description: 'Who approved or refused it (the requester for a withdrawal)',
    }),
    decidedAt: Type.Union([TimestampSchema, Type.Null()]),
    decisionReason: Type.Union([Type.String(), Type.Null()], {
      description: "The approver's or refuser's reason, or the requester's on withdrawal",
    }),
    grantId: Type.Union([Type.String(), Type.Null()], { description: 'The grant an approval wrote' }),
  },
  { title: 'ApigwPermissionRequest' },
);
export type ApigwPermissionRequest = Static<typeof ApigwPermissionRequestSchema>;

export const ApigwPermissionRequestCreateBodySchema = Type.Object(
  {
    app: AppCodeSchema,
    system: SystemSchema,
    component: Type.Optional(ComponentSchema),
    expiresAt: Type.Optional(TimestampSchema),
    reason: ReasonSchema,
  },
  { additionalProperties: false },
);
export type ApigwPermissionRequestCreateBody = Static<typeof ApigwPermissionRequestCreateBodySchema>;

/** Approve or withdraw: an optional reason. Refuse: a reason is required (the route says so). */
export const ApigwPermissionDecisionBodySchema = Type.Object(
  { reason: Type.Optional(ReasonSchema) },
  { additionalProperties: false },
);
export type ApigwPermissionDecisionBody = Static<typeof ApigwPermissionDecisionBodySchema>;
export const ApigwPermissionRefusalBodySchema = Type.Object(
  { reason: ReasonSchema },
  { additionalProperties: false },
);
export type ApigwPermissionRefusalBody = Static<typeof ApigwPermissionRefusalBodySchema>;

export const ApigwPermissionRequestListQuerySchema = Type.Object(
  {
    app: Type.Optional(AppCodeSchema),
    system: Type.Optional(SystemSchema),
    status: Type.Optional(StatusSchema),
  },
  { additionalProperties: false },
);
export type ApigwPermissionRequestListQuery = Static<typeof ApigwPermissionRequestListQuerySchema>;

export const ApigwPermissionRequestParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
});
export const ApigwPermissionRequestResponseSchema = Type.Object({ request: ApigwPermissionRequestSchema });
export type ApigwPermissionRequestResponse = Static<typeof ApigwPermissionRequestResponseSchema>;
export const ApigwPermissionRequestListResponseSchema = Type.Object({
  items: Type.Array(ApigwPermissionRequestSchema),
});
export type ApigwPermissionRequestListResponse = Static<typeof ApigwPermissionRequestListResponseSchema>;
