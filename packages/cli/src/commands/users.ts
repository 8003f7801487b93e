// berth users list | create | info | set | delete
import type { UpdateUserRequest } from '@berth/sdk';
import type { Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { role, username } from '../validate.ts';
import {
  confirm,
  LIMIT_OPTION,
  listItems,
  newPassword,
  PASSWORD_STDIN_OPTION,
  YES_OPTION,
} from './shared.ts';

const PROFILE = {
  'display-name': { type: 'string' as const, value: 'NAME', help: 'Full name shown in the console' },
  email: { type: 'string' as const, value: 'EMAIL', help: 'E-mail address' },
};

export const usersGroup: Group = {
  name: 'users',
  summary: "Manage users and their roles (admins; operators may list them and reset developers' passwords)",
  notes: ['Roles: admin, operator, developer, auditor.'],
  commands: [
    {
      name: 'list',
      summary: 'List all users',
      usage: '[--limit N] [--json]',
      args: [0, 0],
      options: LIMIT_OPTION,
      async run(ctx) {
        const client = ctx.client();
        const body = { users: await listItems(ctx, 'users', (p) => client.listUsers(p)) };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['USERNAME', 'ROLE', 'NAME', 'EMAIL', 'STATUS', 'CREATED'],
          body.users.map((u) => [
            u.username,
            u.role,
            u.displayName,
            u.email,
            u.disabled ? 'disabled' : 'active',
            time(u.createdAt),
          ]),
          'No users.',
        );
      },
    },
    {
      name: 'create',
      summary: 'Create a user',
      usage: 'USERNAME --role ROLE [--password-stdin] [--display-name NAME] [--email EMAIL] [--json]',
      args: [1, 1],
      options: {
        role: { type: 'string', value: 'ROLE', help: 'admin, operator, developer or auditor (required)' },
        ...PASSWORD_STDIN_OPTION,
        ...PROFILE,
      },
      async run(ctx) {
        const roleName = ctx.str('role');
        if (roleName === undefined)
          throw usageError('--role is required (admin, operator, developer, auditor)');
        const displayName = ctx.str('display-name');
        const email = ctx.str('email');
        const request = {
          username: username(ctx.args[0]!),
          role: role(roleName),
          ...(displayName !== undefined && { displayName }),
          ...(email !== undefined && { email }),
        };
        const client = ctx.client();
        const body = await client.createUser({ ...request, password: await newPassword(ctx) });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Created user ${body.user.username} (${body.user.role}).`);
      },
    },
    {
      name: 'info',
      summary: 'Show a user',
      usage: 'USERNAME [--json]',
      args: [1, 1],
      async run(ctx) {
        const name = username(ctx.args[0]!);
        const body = await ctx.client().getUser(name);
        if (ctx.json) return ctx.out.json(body);
        const { user } = body;
        ctx.out.fields([
          ['Username', user.username],
          ['Name', user.displayName],
          ['Email', user.email],
          ['Role', user.role],
          ['Status', user.disabled ? 'disabled' : 'active'],
          ['Created', time(user.createdAt)],
          ['Updated', time(user.updatedAt)],
        ]);
      },
    },
    {
      name: 'set',
      summary: "Change a user's role, status, password or profile",
      usage:
        'USERNAME [--role ROLE] [--disable | --enable] [--password-stdin] [--display-name NAME] [--email EMAIL|""] [--json]',
      args: [1, 1],
      options: {
        role: { type: 'string', value: 'ROLE', help: 'New role' },
        disable: { type: 'boolean', help: 'Disable the user (ends their sessions and tokens)' },
        enable: { type: 'boolean', help: 'Enable the user again' },
        ...PASSWORD_STDIN_OPTION,
        ...PROFILE,
      },
      notes: [
        '--password-stdin resets the password (read from stdin, asked twice on a terminal): the user is',
        "logged out everywhere and their API tokens are revoked. Admins reset anyone's but their own,",
        'operators developers\' only; change your own with berth passwd. --email "" removes the address.',
      ],
      async run(ctx) {
        if (ctx.flag('disable') && ctx.flag('enable'))
          throw usageError('--disable and --enable exclude each other');
        const name = username(ctx.args[0]!);
        const change: UpdateUserRequest = {};
        const roleName = ctx.str('role');
        if (roleName !== undefined) change.role = role(roleName);
        if (ctx.flag('disable')) change.disabled = true;
        if (ctx.flag('enable')) change.disabled = false;
        const displayName = ctx.str('display-name');
        if (displayName !== undefined) change.displayName = displayName;
        const email = ctx.str('email');
        if (email !== undefined) change.email = email === '' ? null : email;
        if (ctx.flag('password-stdin')) change.password = await newPassword(ctx);
        if (Object.keys(change).length === 0) {
          throw usageError(
            'nothing to change; give --role, --disable, --enable, --password-stdin, --display-name or --email',
          );
        }
        const body = await ctx.client().updateUser(name, change);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Updated user ${body.user.username}.`);
      },
    },
    {
      name: 'delete',
      summary: 'Delete a user (their sessions and tokens end)',
      usage: 'USERNAME --yes [--json]',
      args: [1, 1],
      options: YES_OPTION,
      async run(ctx) {
        const name = username(ctx.args[0]!);
        await confirm(ctx, `Delete user ${name}`, name);
        await ctx.client().deleteUser(name);
        if (ctx.json) return ctx.out.json({ deleted: { user: name } });
        ctx.out.line(`Deleted user ${name}.`);
      },
    },
  ],
};
