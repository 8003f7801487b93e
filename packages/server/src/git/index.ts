// The git module: hosted repositories served over smart HTTP with the push hook bridge, and the
// one git runner. Only re-exports (one per line, so that additions merge cleanly).
export type { GitCall, GitHosting, GitHttpDeps, GitService } from './git-hosting.ts';
export { createGitHosting } from './git-hosting.ts';
export { GIT_REALM } from './git-http-routes.ts';
export { ensureHostedRepo, gitPaths, gitRemoteUrl, hostedRepoDir, removeHostedRepo } from './hosted-repos.ts';
export type { PushContext, PushHooks, PushOutput, RefUpdate } from './push-hooks.ts';
export { ACCEPT_ALL_PUSHES, ZERO_COMMIT } from './push-hooks.ts';
export { GitCommandError, gitEnvironment, gitFailure, runGit, spawnGit } from './run-git.ts';
