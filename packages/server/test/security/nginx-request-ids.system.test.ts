// A hosted developer trying to choose the request id other parties see, against the nginx driver
// whose ids come from its Lua module (dynamic upstreams, berthd's default where the module is
// installed): its client replays the id of someone else's request, plain and on answers that become
// the gateway's error pages (an internal redirect, where the module keeps the id the request
// already has); its app answers with an id of its own. With no proxy trusted and with a list that
// does not name the caller (the other way the id variable is set), the app, the client and the
// access log must only ever see the gateway's fresh id.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayRoute } from '../../src/gateway/route-model.ts';
import {
  freePort,
  luaModulesForTests,
  nginxDriver,
  nginxUnavailable,
} from '../gateway/nginx/nginx-support.ts';
import { table } from '../gateway/nginx/tables.ts';
import { startUpstream, type TestUpstream, waitFor } from '../gateway/support.ts';
import { getWithHeaders } from './forged-headers.ts';

const unavailable = nginxUnavailable('nginx request ids');
const modules = unavailable === null ? luaModulesForTests('nginx request ids') : null;
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const trustedProxies of [[], ['10.0.0.0/8']]) {
  const label = trustedProxies.length === 0 ? 'no proxy trusted' : 'a trusted list without the caller';
  describe.skipIf(modules === null)(
    `nginx driver, Lua request ids, ${label}: ids a client or app forges`,
    () => {
      const cleanup: Array<() => Promise<void> | void> = [];
      let port: number;
      let prefix: string;
      let app: TestUpstream;
      let planter: TestUpstream;

      beforeAll(async () => {
        app = await startUpstream('app');
        // An app that answers with a request id of its choice, to have it taken for the gateway's.
        planter = await startUpstream('planter', (req, res) => {
          req.resume();
          req.on('end', () => {
            res.writeHead(200, { 'x-request-id': 'planted-by-the-app' });
            res.end('ok');
          });
        });
        cleanup.push(
          () => app.close(),
          () => planter.close(),
        );
        const n = await nginxDriver(cleanup, {
          dynamicUpstreams: { modules: modules! },
          render: { workerProcesses: 2, trustedProxies },
        });
        port = n.port;
        prefix = n.prefix;
        const proxy = (code: string, upstream: TestUpstream | number): GatewayRoute => ({
          id: `o/${code}`,
          match: { pathPrefix: `/o/${code}/` },
          target: {
            kind: 'proxy',
            upstreams: [
              typeof upstream === 'number'
                ? { id: 'gone', host: '127.0.0.1', port: upstream }
                : upstream.spec(),
            ],
            stripPrefix: true,
          },
          app: { code, env: 'prod' },
        });
        // Nothing listens on `gone`'s port: its answers are the gateway's 502 page.
        await n.driver.start(
          table([proxy('shop', app), proxy('planter', planter), proxy('gone', await freePort())]),
          1,
        );
      }, 60_000);

      afterAll(async () => {
        for (const fn of cleanup.splice(0).reverse()) await fn();
      });

      it("never forwards, answers or logs a client's replay of another request's id", async () => {
        const victim = await getWithHeaders(port, '/o/shop/account', {});
        expect(victim.requestId).toMatch(V4);
        const replayed = { 'x-request-id': victim.requestId };
        const answers = [
          await getWithHeaders(port, '/o/shop/x', replayed),
          await getWithHeaders(port, '/o/shop/a%2Fb', replayed), // the raw-URI block
          await getWithHeaders(port, '/nothing-here', { ...replayed, accept: 'text/html' }), // 404 page
          await getWithHeaders(port, '/o/gone/x', { ...replayed, accept: 'text/html' }), // 502 page
        ];
        expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 502]);
        const ids = answers.map((a) => a.requestId);
        for (const id of ids) expect(id).toMatch(V4);
        expect(new Set([victim.requestId, ...ids]).size).toBe(5);
        // The app was sent the gateway's ids; the error pages name theirs and not the replayed one.
        const sent = app.seen.slice(-2).map((s) => s.headers['x-request-id']);
        expect(sent).toEqual(ids.slice(0, 2));
        for (const page of answers.slice(2)) {
          expect(page.body).toContain(page.requestId);
          expect(page.body).not.toContain(victim.requestId);
        }
        // The access log attributes the victim's id to the victim's request alone.
        const log = path.join(prefix, 'logs', 'access.json');
        await waitFor(() => fs.readFileSync(log, 'utf8').includes(`"reqId":"${ids[3]}"`));
        const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
        const victims = lines.filter((l) => l.includes(victim.requestId));
        expect(victims.length).toBe(1);
        expect(JSON.parse(victims[0]!).url).toBe('/o/shop/account');
      });

      it("answers with the gateway's id, not one the app plants", async () => {
        const answer = await getWithHeaders(port, '/o/planter/x', { 'x-request-id': 'planted-by-the-app' });
        expect(answer.status).toBe(200);
        expect(answer.requestId).toMatch(V4);
        expect(planter.seen.at(-1)?.headers['x-request-id']).toBe(answer.requestId);
      });
    },
  );
}
