// The git module: hosted repositories served over smart HTTP with the push hook bridge, the plumbing
// the sources seam builds from (refs, archives, one file at a commit, external repositories), and the
// one git runner. Only re-exports (one per line, so that additions merge cleanly).
export { type ArchiveOptions, archiveCommit } from './archive.ts';
export type { GitCall, GitHosting, GitHttpDeps, GitService } from './git-hosting.ts';
export { createGitHosting } from './git-hosting.ts';
export { GIT_REALM } from './git-http-routes.ts';
export { ensureHostedRepo, gitPaths, gitRemoteUrl, hostedRepoDir, removeHostedRepo } from './hosted-repos.ts';
export type { PushContext, PushHooks, PushOutput, RefUpdate } from './push-hooks.ts';
export { ACCEPT_ALL_PUSHES, ZERO_COMMIT } from './push-hooks.ts';
export { type ReadFileOptions, readFileAt } from './read-file.ts';
export { checkRefName, type RefOptions, type ResolvedRef, resolveCommitId, resolveRef } from './refs.ts';
export { type FetchRemoteOptions, type FetchRemoteResult, fetchRemote, mirrorDirFor } from './remote.ts';
export { checkRemoteUrl, displayRemoteUrl } from './remote-url.ts';
export { repoBytes } from './repo-bytes.ts';
export { GitCommandError, gitEnvironment, gitFailure, runGit, spawnGit } from './run-git.ts';
export type { RemoteCredentials } from './transport.ts';
export { checkTree, type TreeCheckOptions } from './tree-check.ts';
