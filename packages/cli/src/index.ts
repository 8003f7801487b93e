export type { Command, CommandContext, Group, Io } from './command.ts';
export { EXIT } from './errors.ts';
export { GROUPS, run } from './run.ts';
