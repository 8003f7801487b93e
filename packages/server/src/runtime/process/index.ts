export { DEFAULT_LOG_SETTINGS, type LogSettings } from './log-collector.ts';
export { createProcessDriver } from './process-driver.ts';
export type { ProcessDriverOptions } from './process-options.ts';
