// The git module's public surface: what the sources seam and the hosted repositories use.
export { type ArchiveOptions, archiveCommit } from './archive.ts';
export { type ReadFileOptions, readFileAt } from './read-file.ts';
export { checkRefName, type RefOptions, type ResolvedRef, resolveCommitId, resolveRef } from './refs.ts';
export { type FetchRemoteOptions, type FetchRemoteResult, fetchRemote, mirrorDirFor } from './remote.ts';
export { checkRemoteUrl, displayRemoteUrl } from './remote-url.ts';
export { repoBytes } from './repo-bytes.ts';
export type { RemoteCredentials } from './transport.ts';
export { checkTree, type TreeCheckOptions } from './tree-check.ts';
