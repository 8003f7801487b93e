// The deploy engine: releases, deploy jobs (build -> release -> plan -> apply), the route table the
// gateway serves from, static sites, and the reconciler that restores service after a restart.
export { type ApplyInput, applyRelease, DeployFailure } from './apply-release.ts';
export { type BuildPlace, containerBuildPlace, hostBuildPlace } from './build-places.ts';
export { DEPLOY_JOB_KIND, type DeployJobPayload, type DeployParams } from './deploy-job.ts';
export { createEngine, type Engine } from './engine.ts';
export type { EngineDeps, EngineSettings } from './engine-deps.ts';
export type { EngineService } from './engine-service.ts';
export { engineMigrations } from './migrations.ts';
export {
  type DeployPlan,
  type PlanInstance,
  type PlanOptions,
  type PlanTarget,
  planDeploy,
  resolveFormation,
  type StartStep,
} from './plan-deploy.ts';
export type { EngineTables } from './tables.ts';
