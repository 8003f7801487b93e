// docs/app-manifest.schema.json must be the TypeBox schema, so editors and the docs validate the same
// berth.yaml that berthd does. Regenerate with BERTH_TEST_UPDATE_SCHEMA=1 npx vitest run <this file>.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../src/manifest/index.ts';

const file = path.join(import.meta.dirname, '../../../../docs/app-manifest.schema.json');
const expected = JSON.parse(JSON.stringify(ManifestSchema));

describe('docs/app-manifest.schema.json', () => {
  if (process.env['BERTH_TEST_UPDATE_SCHEMA'] === '1') {
    fs.writeFileSync(file, `${JSON.stringify(expected, null, 2)}\n`);
  }

  it('equals the manifest schema', () => {
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(onDisk).toEqual(expected);
  });

  it('is a JSON Schema that a standard validator accepts and applies', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(validate({ runtime: 'node', processes: { web: { command: 'node server.js', count: 2 } } })).toBe(
      true,
    );
    expect(validate({ runtime: 'node', proceses: {} })).toBe(false);
    expect(validate({ processes: { Web: 'x' } })).toBe(false);
  });
});
