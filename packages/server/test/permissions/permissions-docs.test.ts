// docs/permissions.md and the lists the server decides with must agree: the actions table is the SDK's
// actions, descriptions, default roles and per-environment split, row for row; the route table is the
// permission matrix's (route-rules.ts), case for case, so what the docs promise is what the matrix
// test checks against a real berthd.
import fs from 'node:fs';
import path from 'node:path';
import { APP_ACTION_DESCRIPTIONS, APP_ACTIONS, DEFAULT_ACTION_ROLES, ENV_ACTIONS } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { ROUTE_RULES, whoText } from './route-rules.ts';

const doc = fs.readFileSync(path.join(import.meta.dirname, '../../../../docs/permissions.md'), 'utf8');

/** The cells of the table rows under a `## ` heading. */
function rows(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

describe('docs/permissions.md', () => {
  it('lists every action with its description, default roles and scope, in the SDK order', () => {
    const documented = rows('Actions').map(([action, covers, roles, perEnv]) => ({
      action: action!.slice(1, -1),
      covers,
      roles,
      perEnv,
    }));
    expect(documented).toEqual(
      APP_ACTIONS.map((action) => ({
        action,
        covers: APP_ACTION_DESCRIPTIONS[action],
        roles: DEFAULT_ACTION_ROLES[action].join(', '),
        perEnv: (ENV_ACTIONS as readonly string[]).includes(action) ? 'yes' : 'no',
      })),
    );
  });

  it("has the permission matrix's route table, case for case", () => {
    const documented = rows('Every route').map(([route, variant, who]) => [
      route!.slice(1, -1),
      variant,
      who,
    ]);
    const matrix = Object.entries(ROUTE_RULES).flatMap(([route, cases]) =>
      cases.map((c) => [route, c.variant ?? '', whoText(c)]),
    );
    expect(documented).toEqual(matrix);
  });
});
