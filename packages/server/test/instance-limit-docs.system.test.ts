// The instance ceiling's numbers are the same everywhere a user reads them: the config reader's
// default and bounds, docs/configuration.md, docs/api.md, docs/errors.md, docs/app-manifest.md and the
// OpenAPI document.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { startTestBerthd, type TestBerthd } from './support/harness.ts';

const docs = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../../../docs', name), 'utf8');

describe('the per-app instance ceiling', () => {
  let t: TestBerthd;
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is plain JSON
  let openapi: any;
  beforeAll(async () => {
    t = await startTestBerthd();
    openapi = (await t.api('GET', '/api/v1/openapi.json')).body;
  });
  afterAll(async () => t?.stop());

  const fallback = loadConfig({}).engine.maxInstancesPerApp;

  it('has the default and bounds docs/configuration.md states', () => {
    const row = docs('configuration.md')
      .split('\n')
      .find((line) => line.startsWith('| `BERTH_MAX_INSTANCES_PER_APP` |'));
    expect(row).toBeDefined();
    expect(row).toContain(`| \`${fallback}\` |`);
    expect(row).toContain('1 to 1,000');
    expect(loadConfig({ BERTH_MAX_INSTANCES_PER_APP: '1000' }).engine.maxInstancesPerApp).toBe(1000);
    expect(() => loadConfig({ BERTH_MAX_INSTANCES_PER_APP: '1001' })).toThrow(ConfigError);
    expect(() => loadConfig({ BERTH_MAX_INSTANCES_PER_APP: '0' })).toThrow(ConfigError);
  });

  it('states the same default in docs/api.md, docs/errors.md and the API schema', () => {
    expect(docs('api.md')).toMatch(
      new RegExp(`\`BERTH_MAX_INSTANCES_PER_APP\`,? \\(?${fallback}\\s+by default`),
    );
    const errorRow = docs('errors.md')
      .split('\n')
      .find((line) => line.startsWith('| `INSTANCE_LIMIT_EXCEEDED` |'));
    expect(errorRow).toContain(`${fallback} by default`);
    expect(docs('app-manifest.md')).toContain(
      `instance ceiling (\`berth apps limits\`, ${fallback} by default)`,
    );

    const formation = openapi.paths['/api/v1/apps/{code}/envs/{env}/formation'].put;
    const body = formation.requestBody.content['application/json'].schema;
    expect(body.properties.processes.description).toContain(`${fallback} by default`);
    expect(body.properties.processes.description).toContain('INSTANCE_LIMIT_EXCEEDED');

    const limits = openapi.paths['/api/v1/apps/{code}/limits'];
    const shown = JSON.stringify([limits.get.responses['200'], openapi.components?.schemas]);
    expect(shown).toContain(`${fallback} unless set`);
    const set = limits.put.requestBody.content['application/json'].schema;
    expect(JSON.stringify(set)).toContain('"maximum":1000');
  });
});
