export * from './client.ts';
export * from './schemas/apps.ts';
export * from './schemas/common.ts';
export * from './schemas/engine.ts';
export * from './schemas/error-codes.ts';
export * from './schemas/identity.ts';
export * from './schemas/jobs.ts';
export * from './schemas/page.ts';
