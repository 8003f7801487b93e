// What the API gateway tests share: a canonical Berth-shaped system file, the BlueKing-shaped file
// of the seed (a copied bk-sops app with its own system BK_SOPS_CE), and a call as the handler
// reports it to the call records.
import type { CallRecord } from '../../src/apigw/call-records.ts';

/** A canonical file (renderSystemFile writes exactly this). */
export const SOPS_FILE = `system:
  name: BK_SOPS
  label: Standard operations
  owner: bk-sops
  timeout: 30s
  docs: |
    # Standard operations

    Templates and tasks.
components:
  - name: get_template_list
    label: List templates
    label_en: List templates
    comp_codename: generic.v2.sops.sops_component
    path: /v2/sops/get_template_list/{bk_biz_id}/
    method: GET
    dest: { app: bk-sops, env: prod, path: "/apigw/get_template_list/{bk_biz_id}/" }
    timeout: 10s
    rate_limit: 100/min
    docs: |
      Lists the templates of a business.
  - name: create_task
    label: Create a task
    path: /v2/sops/create_task/
    method: POST
    dest: { app: bk-sops, env: stag, path: /apigw/create_task/ }
    dest_http_method: PUT
    type: operate
    perm_level: sensitive
    timeout: 1500ms
    hidden: true
  - name: any_call
    label: Anything
    path: /v2/sops/proxy/{rest}/
    method: ANY
    dest: { app: bk-sops, env: prod, path: "/proxy/{rest}/" }
    perm_level: unlimited
`;

/** BlueKing's shape, as the seed writes it (file bk_sops_ce.yaml). */
export const SOPS_CE_FILE = `- path: /v2/bk_sops_ce/get_template_list/
  name: get_template_list
  label: 查询模板列表
  label_en: Get template list
  method: GET
  comp_codename: generic.v2.bk_sops_ce.sops_component
  dest_path: /o/bk-sops-ce/apigw/get_template_list/{bk_biz_id}/
  dest_http_method: GET
  is_hidden: false
  timeout: 30
- path: /v2/bk_sops_ce/start_task/
  name: start_task
  label: 开始执行任务
  method: POST
  comp_codename: generic.v2.bk_sops_ce.sops_component
  dest_path: /t/bk-sops-ce/apigw/start_task/{task_id}/
  api_type: operate
`;

/** A small Berth-shaped file for a system. */
export function systemFile(name: string, components: Array<{ name: string; path: string; method?: string }>) {
  const lines = [`system:`, `  name: ${name}`, `  label: ${name} label`];
  if (components.length > 0) lines.push('components:');
  for (const c of components) {
    lines.push(
      `  - name: ${c.name}`,
      `    label: ${c.name} label`,
      `    path: ${c.path}`,
      `    method: ${c.method ?? 'GET'}`,
      `    dest: { app: shop, env: prod, path: /api/${c.name}/ }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A call of `shop` to BK_SOPS/get_task at `at`, answered 200 in 12 ms, with `overrides`. */
export function callRecord(at: number, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    system: 'BK_SOPS',
    component: 'get_task',
    app: 'shop',
    status: 200,
    durationMs: 12,
    requestId: 'req-1',
    at,
    ...overrides,
  };
}
