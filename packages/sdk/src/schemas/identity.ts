// Wire schemas of the identity module: login and sessions, the current user, API tokens, users and
// the audit log.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, EnvNameSchema, RoleSchema, TimestampSchema } from './common.ts';
import { pageQuerySchema, pageSchema } from './page.ts';

export const USERNAME_PATTERN = '^[a-z][a-z0-9._-]{1,63}$';
export const UsernameSchema = Type.String({
  pattern: USERNAME_PATTERN,
  minLength: 2,
  maxLength: 64,
  description: 'Unique, immutable username: a lowercase letter, then 1-63 of a-z 0-9 . _ -',
});

/**
 * The password policy is checked by the server (WEAK_PASSWORD with `details.rule`): 10-256
 * characters, not only spaces, not one character or short group repeated, not the username, not a
 * commonly used password.
 */
export const PasswordSchema = Type.String({ minLength: 1, maxLength: 256, 'x-secret': true });
export const DisplayNameSchema = Type.String({ minLength: 1, maxLength: 100 });
export const EmailSchema = Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$', minLength: 3, maxLength: 254 });
export const ApiTokenIdSchema = Type.String({ pattern: '^[a-z]+_[a-z0-9]+$', maxLength: 64 });

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  email: Type.Optional(Type.String()),
  role: RoleSchema,
  disabled: Type.Boolean(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  passwordChangeRequired: Type.Optional(
    Type.Literal(true, {
      description: 'Present while the user must change their password before anything else',
    }),
  ),
});
export type User = Static<typeof UserSchema>;

export const UserResponseSchema = Type.Object({ user: UserSchema });
export const UserListResponseSchema = pageSchema('users', UserSchema, 'By username');
export type UserListResponse = Static<typeof UserListResponseSchema>;

// --- sessions ------------------------------------------------------------------------------

export const LoginRequestSchema = Type.Object(
  { username: UsernameSchema, password: PasswordSchema },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequestSchema>;

export const LoginResponseSchema = Type.Object({
  user: UserSchema,
  expiresAt: Type.Integer({ minimum: 0, description: 'When the session (the session cookie) expires' }),
  passwordChangeRequired: Type.Boolean({
    description:
      'True when the password must be changed (PUT /api/v1/me/password) before anything else: every other ' +
      'call but GET /api/v1/me and logout answers PASSWORD_CHANGE_REQUIRED until then',
  }),
});
export type LoginResponse = Static<typeof LoginResponseSchema>;

export const MeResponseSchema = Type.Object({
  user: UserSchema,
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
});
export type MeResponse = Static<typeof MeResponseSchema>;

export const ChangePasswordRequestSchema = Type.Object(
  { currentPassword: PasswordSchema, newPassword: PasswordSchema },
  { additionalProperties: false },
);
export type ChangePasswordRequest = Static<typeof ChangePasswordRequestSchema>;

// --- apps learning who the user is (login tickets) -----------------------------------------

/** The query string parameter that carries a login ticket to the app (`next?berth_ticket=…`). */
export const APP_TICKET_PARAM = 'berth_ticket';

/** `GET /api/v1/auth/app-login`: an app sends the browser here to learn who the user is. */
export const AppLoginQuerySchema = Type.Object(
  {
    app: AppCodeSchema,
    env: EnvNameSchema,
    next: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        "Where to send the browser back, with berth_ticket added: a URL under the environment's own address on the apps origin (/t/{code}/ or /o/{code}/, or its host name under BERTH_APPS_DOMAIN)",
    }),
  },
  { additionalProperties: false },
);
export type AppLoginQuery = Static<typeof AppLoginQuerySchema>;

/** The app's credentials, on the user-check API only. */
export const AppCredentialHeadersSchema = Type.Object({
  'x-berth-app-code': Type.Optional(Type.String({ maxLength: 64 })),
  'x-berth-app-secret': Type.Optional(Type.String({ maxLength: 512 })),
});

/** `POST /api/v1/auth/app-user`: the app's server redeems a ticket for the user it names. */
export const AppUserRequestSchema = Type.Object(
  {
    ticket: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'The berth_ticket the browser brought back',
      'x-secret': true,
    }),
    env: EnvNameSchema,
  },
  { additionalProperties: false },
);
export type AppUserRequest = Static<typeof AppUserRequestSchema>;

export const AppUserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
});
export type AppUser = Static<typeof AppUserSchema>;

export const AppUserResponseSchema = Type.Object({
  user: AppUserSchema,
  gatewayToken: Type.Object(
    {
      token: Type.String({
        description:
          "Names this user in the app's calls through the API gateway (X-Berth-User-Token); valid for no other app and on no other route",
      }),
      expiresAt: TimestampSchema,
    },
    { description: "A token for API gateway calls in this user's name (docs/apigw.md)" },
  ),
});
export type AppUserResponse = Static<typeof AppUserResponseSchema>;

// --- API tokens ----------------------------------------------------------------------------

export const ApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token, to recognise it' }),
  createdAt: TimestampSchema,
  expiresAt: Type.Optional(TimestampSchema),
  lastUsedAt: Type.Optional(TimestampSchema),
  revokedAt: Type.Optional(TimestampSchema),
  username: Type.String({ description: 'The owner' }),
});
export type ApiToken = Static<typeof ApiTokenSchema>;

export const CreateApiTokenRequestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type CreateApiTokenRequest = Static<typeof CreateApiTokenRequestSchema>;

export const CreateApiTokenResponseSchema = Type.Object({
  token: ApiTokenSchema,
  secret: Type.String({ description: 'The token (berth_…), shown only in this response' }),
});
export type CreateApiTokenResponse = Static<typeof CreateApiTokenResponseSchema>;

export const ApiTokenListResponseSchema = pageSchema('tokens', ApiTokenSchema, 'Newest first');
export type ApiTokenListResponse = Static<typeof ApiTokenListResponseSchema>;
export const ApiTokenParamsSchema = Type.Object({ id: ApiTokenIdSchema });
export const ApiTokenListQuerySchema = pageQuerySchema({ username: Type.Optional(UsernameSchema) });
export type ApiTokenListQuery = Static<typeof ApiTokenListQuerySchema>;

// --- users ---------------------------------------------------------------------------------

export const UsernameParamsSchema = Type.Object({ username: UsernameSchema });

export const CreateUserRequestSchema = Type.Object(
  {
    username: UsernameSchema,
    password: PasswordSchema,
    role: RoleSchema,
    displayName: Type.Optional(DisplayNameSchema),
    email: Type.Optional(EmailSchema),
  },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequestSchema>;

export const UpdateUserRequestSchema = Type.Object(
  {
    displayName: Type.Optional(DisplayNameSchema),
    email: Type.Optional(Type.Union([EmailSchema, Type.Null()], { description: 'null removes it' })),
    role: Type.Optional(RoleSchema),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(PasswordSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserRequest = Static<typeof UpdateUserRequestSchema>;

// --- audit log -----------------------------------------------------------------------------

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: TimestampSchema,
  actorId: Type.Optional(Type.String({ description: 'Absent for the platform itself or anonymous' })),
  actorName: Type.String({ description: 'Username, "system" or "anonymous"' }),
  action: Type.String({ description: 'e.g. user.create, session.login, token.revoke' }),
  targetType: Type.String(),
  targetId: Type.String(),
  ip: Type.Optional(Type.String()),
  detail: Type.Optional(
    Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      additionalProperties: true,
      description: 'What changed, as the recording module describes it',
    }),
  ),
});
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AuditQuerySchema = pageQuerySchema({
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Actor username' })),
  action: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9._-]+$',
      maxLength: 64,
      description: 'Action prefix: "user" or "user." matches user.create, user.delete, …',
    }),
  ),
  targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms, inclusive' })),
  until: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms, exclusive' })),
});
export type AuditQuery = Static<typeof AuditQuerySchema>;

export const AuditListResponseSchema = pageSchema('events', AuditEventSchema, 'Newest first');
export type AuditListResponse = Static<typeof AuditListResponseSchema>;
