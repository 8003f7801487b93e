// A system's OpenAPI document (system-openapi.ts): Redocly's linter (its `recommended` rules, but
// for trailing slashes and a license) finds nothing in it; each visible component is an operation of its method (every method for ANY, a
// component of its own method winning), `{var}` segments are path parameters, the server is the
// system's gateway address, and hidden components are left out.
import type { ApigwComponent, ApigwSystem } from '@berth/sdk';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { builtinDeclaration } from '../../src/apigw/builtin-system.ts';
import { systemOpenApi } from '../../src/apigw/system-openapi.ts';

const system: ApigwSystem = {
  name: 'BK_SOPS',
  label: 'Standard operations',
  owner: 'bk-sops',
  docs: 'Tasks.',
};
const component = (over: Partial<ApigwComponent>): ApigwComponent => ({
  system: 'BK_SOPS',
  name: 'get_template_list',
  label: 'List templates',
  path: '/v2/sops/get_template_list/{bk_biz_id}/',
  method: 'GET',
  dest: { app: 'bk-sops', env: 'prod', path: '/apigw/get_template_list/{bk_biz_id}/' },
  type: 'query',
  permLevel: 'normal',
  hidden: false,
  ...over,
});

describe("a system's OpenAPI document", () => {
  const doc = systemOpenApi(
    system,
    [
      component({ rateLimit: { calls: 100, per: 'min' }, timeoutMs: 5000, docs: 'Lists **templates**.' }),
      component({ name: 'task', label: 'Task', path: '/v2/sops/task/', method: 'ANY', type: 'operate' }),
      component({ name: 'task_get', label: 'Read a task', path: '/v2/sops/task/', method: 'GET' }),
      component({ name: 'secret', label: 'Hidden', path: '/v2/sops/secret/', hidden: true }),
    ],
    'http://127.0.0.1:8080/',
    // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
  ) as any;

  it('passes the linter', async () => {
    const source = 'system-openapi.json';
    // Two style rules that do not fit: BlueKing's paths end with `/` (they are the real paths), and a
    // system's license is not the platform's to state.
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'no-path-trailing-slash': 'off', 'info-license': 'off' },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: source, config });
    expect(
      problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`),
    ).toEqual([]);
  });

  it('has an operation per visible component and method, at the gateway address', () => {
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:8080/api/c/BK_SOPS' }]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v2/sops/get_template_list/{bk_biz_id}/',
      '/v2/sops/task/',
    ]);
    const list = doc.paths['/v2/sops/get_template_list/{bk_biz_id}/'].get;
    expect(list).toMatchObject({
      operationId: 'get_template_list',
      summary: 'List templates',
      description: 'Lists **templates**.',
      parameters: [{ name: 'bk_biz_id', in: 'path', required: true }],
      'x-berth-component': { type: 'query', permLevel: 'normal', timeoutMs: 5000, rateLimit: '100/min' },
    });
    const task = doc.paths['/v2/sops/task/'];
    expect(Object.keys(task).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    expect(task.get.operationId).toBe('task_get');
    expect(task.post.operationId).toBe('task_post');
    expect(task.post.requestBody).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('Hidden');
  });
});

describe("the built-in system's OpenAPI document", () => {
  const { system: builtin, components } = builtinDeclaration();
  // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
  const doc = systemOpenApi(builtin, components, 'http://127.0.0.1:8080') as any;

  it('passes the linter', async () => {
    const config = await createConfig({ extends: ['recommended'], rules: { 'info-license': 'off' } });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'berth-openapi.json',
      config,
    });
    expect(
      problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`),
    ).toEqual([]);
  });

  it("answers in BlueKing's envelope, with no destination app to be unavailable", () => {
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:8080/api/c/berth' }]);
    expect(doc.info['x-berth-builtin']).toBe(true);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/apps/{code}',
      '/notifications',
      '/users',
      '/users/{username}',
    ]);
    const send = doc.paths['/notifications'].post;
    expect(send['x-berth-component']).toMatchObject({
      builtIn: true,
      permLevel: 'normal',
      rateLimit: '60/min',
    });
    expect(send.requestBody.content['application/json']).toBeDefined();
    expect(send.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/BuiltinAnswer',
    );
    expect(Object.keys(send.responses)).not.toContain('503');
    expect(doc.paths['/users/{username}'].get['x-berth-component'].permLevel).toBe('sensitive');
  });
});
