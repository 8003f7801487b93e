// System files: both shapes parse to the same model, every error names the file, line and field and
// says what is wrong, a canonical file renders back byte for byte, and a file set is checked across
// files (one system per file, a path and method once).
import { describe, expect, it } from 'vitest';
import { parseSystemFile, parseSystemFiles, renderSystemFile } from '../../src/apigw/yaml-files.ts';
import { SOPS_CE_FILE, SOPS_FILE, systemFile } from './fixtures.ts';

/** The error a parse throws, as code, details and message. */
function failure(run: () => unknown) {
  try {
    run();
  } catch (err) {
    const e = err as { code: string; details: unknown; message: string };
    return { code: e.code, details: e.details, message: e.message };
  }
  throw new Error('it parsed');
}

const parse = (text: string, name = 'X.yaml') => parseSystemFile({ name, text });

describe("Berth's shape", () => {
  it('parses a system and its components, defaults filled in', () => {
    const p = parse(SOPS_FILE, 'BK_SOPS.yaml');
    expect(p.shape).toBe('berth');
    expect(p.system).toEqual({
      name: 'BK_SOPS',
      label: 'Standard operations',
      owner: 'bk-sops',
      timeoutMs: 30_000,
      docs: '# Standard operations\n\nTemplates and tasks.\n',
    });
    expect(p.components.map((c) => c.name)).toEqual(['get_template_list', 'create_task', 'any_call']);
    expect(p.components[0]).toEqual({
      system: 'BK_SOPS',
      name: 'get_template_list',
      label: 'List templates',
      labelEn: 'List templates',
      compCodename: 'generic.v2.sops.sops_component',
      path: '/v2/sops/get_template_list/{bk_biz_id}/',
      method: 'GET',
      dest: { app: 'bk-sops', env: 'prod', path: '/apigw/get_template_list/{bk_biz_id}/' },
      type: 'query',
      permLevel: 'normal',
      timeoutMs: 10_000,
      rateLimit: { calls: 100, per: 'min' },
      hidden: false,
      docs: 'Lists the templates of a business.\n',
    });
    expect(p.components[1]).toMatchObject({
      destHttpMethod: 'PUT',
      type: 'operate',
      permLevel: 'sensitive',
      timeoutMs: 1500,
      hidden: true,
      dest: { env: 'stag' },
    });
    expect(p.componentLines).toEqual([11, 22, 32]);
  });

  it('accepts owner_app, dest_path, is_hidden, a bare number of seconds and a lower-case method', () => {
    const p = parse(
      [
        'system:',
        '  name: Shop',
        '  label: Shop',
        '  owner_app: shop',
        '  timeout: 2.5',
        'components:',
        '  - name: list',
        '    label: List',
        '    path: /list/',
        '    method: post',
        '    dest_path: /t/shop/api/list/',
        '    is_hidden: true',
        '',
      ].join('\n'),
    );
    expect(p.system).toEqual({ name: 'Shop', label: 'Shop', owner: 'shop', timeoutMs: 2500 });
    expect(p.components[0]).toMatchObject({
      method: 'POST',
      dest: { app: 'shop', env: 'stag', path: '/api/list/' },
      hidden: true,
    });
  });

  it('renders a canonical file back byte for byte', () => {
    const p = parse(SOPS_FILE, 'BK_SOPS.yaml');
    expect(renderSystemFile(p.system, p.components)).toBe(SOPS_FILE);
    const small = systemFile('EMPTY', []);
    const e = parse(small);
    expect(renderSystemFile(e.system, e.components)).toBe(small);
  });

  it('renders any parsed file canonically, and that renders back to itself', () => {
    const p = parse(SOPS_CE_FILE, 'bk_sops_ce.yaml');
    const text = renderSystemFile(p.system, p.components);
    expect(text).toContain(
      'dest: { app: bk-sops-ce, env: prod, path: "/apigw/get_template_list/{bk_biz_id}/" }',
    );
    const again = parse(text, 'BK_SOPS_CE.yaml');
    expect(again.components).toEqual(p.components);
    expect(renderSystemFile(again.system, again.components)).toBe(text);
  });
});

describe("BlueKing's shape", () => {
  it("parses the seed's file: the system is the file name upper-cased, dest_path /o/ is prod", () => {
    const p = parse(SOPS_CE_FILE, 'bk_sops_ce.yaml');
    expect(p.shape).toBe('blueking');
    expect(p.system).toEqual({ name: 'BK_SOPS_CE', label: 'BK_SOPS_CE' });
    expect(p.components[0]).toEqual({
      system: 'BK_SOPS_CE',
      name: 'get_template_list',
      label: '查询模板列表',
      labelEn: 'Get template list',
      compCodename: 'generic.v2.bk_sops_ce.sops_component',
      path: '/v2/bk_sops_ce/get_template_list/',
      method: 'GET',
      dest: { app: 'bk-sops-ce', env: 'prod', path: '/apigw/get_template_list/{bk_biz_id}/' },
      destHttpMethod: 'GET',
      type: 'query',
      permLevel: 'normal',
      timeoutMs: 30_000,
      hidden: false,
    });
    expect(p.components[1]).toMatchObject({
      dest: { app: 'bk-sops-ce', env: 'stag', path: '/apigw/start_task/{task_id}/' },
      type: 'operate',
      compCodename: 'generic.v2.bk_sops_ce.sops_component',
    });
    expect(p.componentLines).toEqual([1, 11]);
    expect(parse(SOPS_CE_FILE, 'bk_sops_ce.yml').system.name).toBe('BK_SOPS_CE');
  });
});

describe('errors name the file, the line and the field', () => {
  const cases: Array<[string, string, string, { line: number; field: string | null }, RegExp]> = [
    ['YAML syntax', 'X.yaml', 'system:\n  name: [X\n', { line: 3, field: null }, /not valid YAML/],
    [
      'an unquoted { } in a flow mapping',
      'X.yaml',
      'system: { name: X, label: /a/{b}/ }\n',
      { line: 1, field: null },
      /must be quoted/,
    ],
    [
      'an unknown field, with what was meant',
      'X.yaml',
      'system:\n  name: X\n  labl: Y\n',
      { line: 3, field: 'system.labl' },
      /unknown field "labl"; did you mean "label"\?/,
    ],
    [
      'an unknown top-level field',
      'X.yaml',
      'systems:\n  name: X\n',
      { line: 1, field: 'systems' },
      /unknown field/,
    ],
    [
      'a wrong type',
      'X.yaml',
      'system:\n  name: X\n  label: [a]\n',
      { line: 3, field: 'system.label' },
      /must be text, not a list/,
    ],
    [
      'a wrong type in a component',
      'X.yaml',
      `${systemFile('X', [{ name: 'a', path: '/a/' }])}    hidden: maybe\n`,
      { line: 10, field: 'components[0].hidden' },
      /must be true or false, not text/,
    ],
    ['a missing field', 'X.yaml', 'system:\n  name: X\n', { line: 1, field: 'system.label' }, /is required/],
    [
      'a missing component field',
      'X.yaml',
      'system:\n  name: X\n  label: X\ncomponents:\n  - name: a\n    path: /a/\n    dest_path: /o/shop/a/\n',
      { line: 5, field: 'components[0].label' },
      /is required/,
    ],
    [
      'a duplicate component name',
      'X.yaml',
      systemFile('X', [
        { name: 'a', path: '/a/' },
        { name: 'a', path: '/b/' },
      ]),
      { line: 10, field: 'components[1].name' },
      /"a" is declared already at line 5/,
    ],
    [
      'a duplicate path and method',
      'X.yaml',
      systemFile('X', [
        { name: 'a', path: '/a/{id}/' },
        { name: 'b', path: '/a/{key}/' },
      ]),
      { line: 10, field: 'components[1].path' },
      /GET \/a\/\{key\}\/ is declared already at line 5/,
    ],
    [
      'a bad destination',
      'X.yaml',
      systemFile('X', [{ name: 'a', path: '/a/' }]).replace(
        'dest: { app: shop, env: prod, path: /api/a/ }',
        'dest_path: /x/shop/a/',
      ),
      { line: 9, field: 'components[0].dest_path' },
      /is not \/o\/\{app\}\/path \(prod\) or \/t\/\{app\}\/path \(stag\)/,
    ],
    [
      'a bad destination environment',
      'X.yaml',
      systemFile('X', [{ name: 'a', path: '/a/' }]).replace('env: prod', 'env: live'),
      { line: 9, field: 'components[0].dest.env' },
      /"live" is not one of stag, prod/,
    ],
    [
      'dest and dest_path both',
      'X.yaml',
      `${systemFile('X', [{ name: 'a', path: '/a/' }])}    dest_path: /o/shop/a/\n`,
      { line: 10, field: 'components[0].dest_path' },
      /not both/,
    ],
    [
      'a bad duration',
      'X.yaml',
      'system:\n  name: X\n  label: X\n  timeout: soon\n',
      { line: 4, field: 'system.timeout' },
      /"soon" is not a duration/,
    ],
    [
      'a bad rate',
      'X.yaml',
      `${systemFile('X', [{ name: 'a', path: '/a/' }])}    rate_limit: 10/week\n`,
      { line: 10, field: 'components[0].rate_limit' },
      /"10\/week" is not a rate: write N\/s, N\/min, N\/h or N\/d/,
    ],
    [
      'a path without its leading slash',
      'X.yaml',
      systemFile('X', [{ name: 'a', path: 'a/' }]),
      { line: 7, field: 'components[0].path' },
      /does not start with \//,
    ],
    [
      'the reserved name compapi',
      'X.yaml',
      'system:\n  name: compapi\n  label: C\n',
      { line: 2, field: 'system.name' },
      /taken/,
    ],
    [
      'an alias with its field',
      'X.yaml',
      'system:\n  name: X\n  label: X\n  owner: a1\n  owner_app: a1\n',
      { line: 5, field: 'system.owner_app' },
      /given already/,
    ],
    [
      'a BlueKing file named unlike a system',
      'bk-sops.yaml',
      '- name: a\n',
      { line: 1, field: null },
      /the file name gives the system/,
    ],
    [
      'a BlueKing component error',
      'b.yaml',
      '- name: a\n  label: A\n  path: /a/\n  dest_path: /o/x/a/\n  methd: GET\n',
      { line: 5, field: '[0].methd' },
      /did you mean "method"/,
    ],
    ['an empty file', 'X.yaml', '', { line: 1, field: null }, /empty/],
    ['a file not named .yaml', 'X.json', 'system: {}\n', { line: 1, field: null }, /NAME\.yaml/],
  ];
  it.each(cases)('%s', (_what, name, text, where, message) => {
    const f = failure(() => parse(text, name));
    expect(f.code).toBe('APIGW_YAML_INVALID');
    expect(f.details).toEqual({ file: name, ...where });
    expect(f.message).toMatch(message);
    expect(f.message.startsWith(`${name}:${where.line}`)).toBe(true);
  });
});

describe('a file set', () => {
  it('refuses a path and method declared in two files, naming both', () => {
    const f = failure(() =>
      parseSystemFiles([
        { name: 'A.yaml', text: systemFile('A', [{ name: 'one', path: '/same/{id}/' }]) },
        {
          name: 'B.yaml',
          text: systemFile('B', [
            { name: 'x', path: '/other/' },
            { name: 'two', path: '/same/{key}/' },
          ]),
        },
      ]),
    );
    expect(f.details).toEqual({ file: 'B.yaml', line: 10, field: 'components[1].path' });
    expect(f.message).toMatch(/GET \/same\/\{key\}\/ is declared in A\.yaml \(line 5\) too/);
  });

  it('allows the same path with another method, or ANY beside a method', () => {
    const files = parseSystemFiles([
      { name: 'A.yaml', text: systemFile('A', [{ name: 'get', path: '/same/' }]) },
      {
        name: 'B.yaml',
        text: systemFile('B', [
          { name: 'post', path: '/same/', method: 'POST' },
          { name: 'any', path: '/same/', method: 'ANY' },
        ]),
      },
    ]);
    expect(files.map((f) => f.components.length)).toEqual([1, 2]);
  });

  it('refuses a system declared in two files', () => {
    const f = failure(() =>
      parseSystemFiles([
        { name: 'A.yaml', text: systemFile('A', []) },
        { name: 'a.yaml', text: '- name: x\n  label: X\n  path: /x/\n  dest_path: /o/shop/x/\n' },
      ]),
    );
    expect(f.details).toEqual({ file: 'a.yaml', line: 1, field: 'system.name' });
    expect(f.message).toMatch(/the system A is declared in A\.yaml too/);
  });
});
