// The permission matrix, route by route: every route a real berthd serves (its OpenAPI document, and
// the few it leaves out) is called by every caller — nobody, an admin, an operator, a developer who is
// a member of the app, one who is not, an auditor — with valid parameters, in each environment it
// acts in, and the outcome must be the one route-rules.ts gives (from the SDK's DEFAULT_ACTION_ROLES
// for app routes). A served route without a row fails, naming it: a new route must be classified.
// The list comes from the OpenAPI document and is checked against Fastify's own route tree, so a
// route hidden from the document is not hidden from the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PACKAGE_ROUTE } from '../../src/http/download-routes.ts';
import { systemDialects } from '../support/databases.ts';
import { ROUTE_CALLS } from './matrix-calls.ts';
import { type CallResult, type MatrixFixture, startMatrixFixture } from './matrix-fixture.ts';
import { CALLERS, envsOf, expectedOutcome, type Outcome, ROUTE_RULES } from './route-rules.ts';

/** Served but left out of the OpenAPI document (as in api-docs.system.test.ts). */
const UNDOCUMENTED = ['GET /api/v1/openapi.json', `GET ${CLI_PACKAGE_ROUTE}`];
/** The 404s that hide something the caller may not see. */
const HIDING = new Set([
  'APP_NOT_FOUND',
  'DEPLOY_NOT_FOUND',
  'JOB_NOT_FOUND',
  'DOMAIN_NOT_FOUND',
  'APIGW_REQUEST_NOT_FOUND',
]);
/** Answers that mean the call itself was wrong, so it says nothing about permissions. */
const BAD_CALL = new Set([
  'VALIDATION_FAILED',
  'BAD_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CSRF_REFUSED',
  'ENV_NOT_FOUND',
]);

/** The class of an answer; anything that is not an Outcome fails every expectation. */
function classify(res: CallResult): Outcome | string {
  if (res.status === 401) return 'unauthenticated';
  if (res.status === 403 && res.code === 'FORBIDDEN') return 'forbidden';
  if (res.status === 403 && res.code === 'APPROVAL_REQUIRED') return 'approval';
  if (res.status === 404 && HIDING.has(res.code ?? '')) return 'hidden';
  if (res.status === 403 || res.status >= 500 || BAD_CALL.has(res.code ?? '')) {
    return `${res.status} ${res.code ?? res.text.slice(0, 200)}`;
  }
  return 'allowed';
}

/**
 * The API routes in Fastify's own route tree (`printRoutes`), hidden ones included: the OpenAPI
 * document is the list the matrix walks, and this proves no `/api/` route is missing from it. Each
 * line is a node (`├── /segment (GET, HEAD)`), indented four columns a level below its parent.
 */
function fastifyApiRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    const path = (prefixes[depth - 1] ?? '') + node[2]!;
    prefixes[depth] = path;
    if (!path.startsWith('/api/')) continue;
    for (const method of (node[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) {
      out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out;
}

const routes = Object.keys(ROUTE_RULES);
const pending = routes.filter((r) => ROUTE_RULES[r]!.some((c) => c.pending));

describe.each(systemDialects())('the permission matrix on %s', (dialect) => {
  let m: MatrixFixture;
  let served: Set<string>;

  beforeAll(async () => {
    m = await startMatrixFixture(dialect);
    const doc = await m.ok('anonymous', { method: 'GET', path: '/api/v1/openapi.json' });
    served = new Set([
      ...UNDOCUMENTED,
      ...Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${p}`),
      ),
    ]);
  }, 120_000);
  afterAll(async () => m?.stop(), 60_000);

  it('has a row, and a call for each case, for every route berthd serves', () => {
    expect(
      [...served].filter((r) => !ROUTE_RULES[r]),
      'classify these routes in route-rules.ts',
    ).toEqual([]);
    const noCall = routes.flatMap((r) =>
      ROUTE_RULES[r]!.filter((c) => !ROUTE_CALLS[r]?.[c.variant ?? '']).map((c) => `${r} ${c.variant ?? ''}`),
    );
    expect(noCall, 'say in matrix-calls.ts how to call these').toEqual([]);
  });

  it('walks every API route Fastify serves (none is left out of the OpenAPI document unsaid)', () => {
    const inTree = fastifyApiRoutes(m.f.t.berthd.http.printRoutes({ commonPrefix: false }));
    const apiServed = [...served].filter((r) => r.split(' ')[1]!.startsWith('/api/'));
    expect(
      apiServed.filter((r) => !inTree.includes(r)),
      "read Fastify's route tree",
    ).toEqual([]);
    expect(inTree.filter((r) => !served.has(r))).toEqual([]);
  });

  it('has no row for a route that is not served', () => {
    expect(routes.filter((r) => !served.has(r) && !pending.includes(r))).toEqual([]);
  });

  it('pending routes are not served yet (once one is, drop its `pending` mark so its row runs)', () => {
    expect(pending.filter((r) => served.has(r))).toEqual([]);
  });

  for (const route of routes.filter((r) => !pending.includes(r))) {
    it(route, async () => {
      const wrong: string[] = [];
      for (const c of ROUTE_RULES[route]!) {
        const build = ROUTE_CALLS[route]![c.variant ?? '']!;
        for (const env of envsOf(route, c)) {
          for (const who of CALLERS) {
            const call = await build(m, who, env ?? 'stag');
            const res = await m.send(who, call);
            const got = classify(res);
            const want = expectedOutcome(c.rule, who, env);
            if (got !== want) {
              const where = [c.variant, env].filter(Boolean).join(', ');
              wrong.push(
                `${who}${where ? ` (${where})` : ''}: ${want} expected, got ${got} [${res.status} ${res.code ?? ''}]`,
              );
            }
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
