// berth apigw sync DIR | export DIR | systems | components | show SYSTEM
// (the API gateway's systems and components, declared in one YAML file per system: docs/apigw.md).
// APIGW_COMMANDS is the group's list, so that the grants part adds its commands to the same group.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApigwComponent, ApigwSyncPlan } from '@berth/sdk';
import type { Command, CommandContext, Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { apigwGrantCommands } from './apigw-grants.ts';
import { apigwRequestCommands } from './apigw-requests.ts';
import { apigwStatsCommands } from './apigw-stats.ts';

const SYSTEM_FILE = /\.ya?ml$/;

/** Every `*.yaml` and `*.yml` file of DIR (not its subdirectories), by name. */
function readSystemFiles(dir: string): Array<{ name: string; text: string }> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw usageError(`cannot read the directory ${dir}: ${(err as Error).message}`);
  }
  return entries
    .filter((e) => e.isFile() && SYSTEM_FILE.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** The plan as lines: `+ add`, `~ change (fields)`, `- remove`; none when there is nothing to do. */
export function planLines(plan: ApigwSyncPlan): string[] {
  const lines: string[] = [];
  const { systems, components } = plan;
  for (const s of systems.add) lines.push(`+ add system ${s}`);
  for (const s of systems.change) lines.push(`~ change system ${s.name} (${s.fields.join(', ')})`);
  for (const s of systems.remove) lines.push(`- remove system ${s}`);
  for (const c of components.add) lines.push(`+ add component ${c.system}/${c.name}`);
  for (const c of components.change)
    lines.push(`~ change component ${c.system}/${c.name} (${c.fields.join(', ')})`);
  for (const c of components.remove) lines.push(`- remove component ${c.system}/${c.name}`);
  return lines;
}

/** Writes the file through a temporary one beside it, renamed over it: never half-written. */
function writeAtomically(file: string, text: string): void {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    fs.writeFileSync(temp, text, { flag: 'wx', mode: 0o644 });
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

function componentRows(items: ApigwComponent[], withSystem: boolean) {
  return items.map((c) => [
    ...(withSystem ? [c.system] : []),
    c.name,
    c.method,
    c.path,
    c.dest === undefined ? '(berthd, built in)' : `${c.dest.app} ${c.dest.env} ${c.dest.path}`,
    c.type,
    c.permLevel,
    c.hidden ? 'hidden' : '',
  ]);
}
const COMPONENT_HEADERS = ['NAME', 'METHOD', 'PATH', 'DESTINATION', 'TYPE', 'PERMISSION', ''];

const sync: Command = {
  name: 'sync',
  summary: 'Make the systems those of the *.yaml files in DIR (one file per system), printing the plan',
  usage: 'DIR [--dry-run] [--json]',
  args: [1, 1],
  options: { 'dry-run': { type: 'boolean', help: 'Print the plan and change nothing' } },
  notes: [
    'Every file or none is applied. A system whose file is not in DIR is removed with its components.',
    "Files may be Berth's shape or BlueKing's (a list of components; the system is the file name upper-cased).",
  ],
  async run(ctx: CommandContext) {
    const dir = ctx.args[0]!;
    const files = readSystemFiles(dir);
    if (files.length === 0) {
      throw usageError(`${dir} holds no *.yaml or *.yml file; a sync of none would remove every system`);
    }
    const dryRun = ctx.flag('dry-run');
    const result = await ctx.client().syncApigw({ files, dryRun });
    if (ctx.json) return ctx.out.json(result);
    const lines = planLines(result.plan);
    if (lines.length === 0) return ctx.out.line('nothing to change');
    for (const line of lines) ctx.out.line(line);
    ctx.out.note(dryRun ? 'Dry run: nothing was changed.' : `Applied ${lines.length} changes.`);
  },
};

const exportCommand: Command = {
  name: 'export',
  summary: 'Write every system to DIR as its canonical file {SYSTEM}.yaml',
  usage: 'DIR [--force] [--json]',
  args: [1, 1],
  options: { force: { type: 'boolean', help: 'Write even when DIR holds other files (they stay)' } },
  notes: ['DIR is made when missing. Each file is written to a temporary file and renamed into place.'],
  async run(ctx: CommandContext) {
    const dir = ctx.args[0]!;
    const { files } = await ctx.client().exportApigw();
    fs.mkdirSync(dir, { recursive: true });
    const names = new Set(files.map((f) => f.name));
    const others = fs.readdirSync(dir).filter((name) => !names.has(name));
    if (others.length > 0 && !ctx.flag('force')) {
      throw usageError(
        `${dir} holds other files (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}); ` +
          'export to an empty directory, or give --force',
      );
    }
    for (const f of files) writeAtomically(path.join(dir, f.name), f.text);
    if (ctx.json) return ctx.out.json({ dir, files: files.map((f) => f.name) });
    ctx.out.note(`Wrote ${files.length} system files to ${dir}.`);
  },
};

const systems: Command = {
  name: 'systems',
  summary: 'List the systems',
  usage: '[--json]',
  args: [0, 0],
  async run(ctx: CommandContext) {
    const body = await ctx.client().listApigwSystems();
    if (ctx.json) return ctx.out.json(body);
    ctx.out.table(
      ['NAME', 'LABEL', 'OWNER', 'COMPONENTS', 'UPDATED', 'BY'],
      body.items.map((s) =>
        s.builtIn
          ? [s.name, s.label, '', s.components, 'built in', 'berthd']
          : [s.name, s.label, s.owner ?? '', s.components, time(s.updatedAt), s.updatedBy],
      ),
      'No API gateway systems yet.',
    );
  },
};

const components: Command = {
  name: 'components',
  summary: 'List the components of every system, or of one',
  usage: '[--system SYSTEM] [--json]',
  args: [0, 0],
  options: { system: { type: 'string', short: 's', value: 'SYSTEM', help: 'Only this system' } },
  async run(ctx: CommandContext) {
    const system = ctx.str('system');
    const body = await ctx.client().listApigwComponents(system === undefined ? {} : { system });
    if (ctx.json) return ctx.out.json(body);
    ctx.out.table(['SYSTEM', ...COMPONENT_HEADERS], componentRows(body.items, true), 'No components.');
  },
};

const show: Command = {
  name: 'show',
  summary: 'Show a system and its components',
  usage: 'SYSTEM [--json]',
  args: [1, 1],
  async run(ctx: CommandContext) {
    const body = await ctx.client().getApigwSystem(ctx.args[0]!);
    if (ctx.json) return ctx.out.json(body);
    const s = body.system;
    ctx.out.fields([
      ['Name', s.name],
      ['Label', s.label],
      ['Owner', s.owner],
      ['Timeout', s.timeoutMs === undefined ? undefined : `${s.timeoutMs} ms`],
      ['Updated', s.builtIn ? 'built into berthd' : `${time(s.updatedAt)} by ${s.updatedBy}`],
    ]);
    ctx.out.line();
    ctx.out.table(COMPONENT_HEADERS, componentRows(body.components, false), 'No components.');
  },
};

/** The group's commands: another part appends its own (grants, trusted apps). */
export const APIGW_COMMANDS: Command[] = [
  sync,
  exportCommand,
  systems,
  components,
  show,
  ...apigwGrantCommands,
  ...apigwRequestCommands,
  ...apigwStatsCommands,
];

export const apigwGroup: Group = {
  name: 'apigw',
  summary:
    'The API gateway: systems and components (sync from YAML files, export, list), grants and trusted apps',
  defaultCommand: 'systems',
  commands: APIGW_COMMANDS,
};
