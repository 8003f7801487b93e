// Git as a source: a ref of the app's hosted repository or of its external one (fetched into a
// mirror), pinned to a commit. The commit's tree reaches the build as `git archive`'s tar stream
// through the same hardened unpacker as an uploaded package, so a hostile repository (odd names,
// symlinks out of the tree, huge files) meets the same limits; submodules and Git LFS pointers are
// refused first, with their own codes.
import type { Readable } from 'node:stream';
import type { SourceKind } from './sources.ts';
import { unpackPackage } from './unpack-package.ts';

/** An external repository as the app's source settings hold it (credentials decrypted). */
export interface ExternalRepository {
  url: string;
  /** Opaque to this file: handed to `fetch` as they are. */
  credentials: unknown;
  mirrorDir: string;
}

/** What git work the source needs (the git module's functions, and the app's settings). */
export interface GitAccess {
  /** The app's hosted bare repository, created if absent. */
  hostedRepo(app: string): Promise<string>;
  /** The app's external repository; SOURCE_NOT_CONFIGURED without one. */
  external(app: string): Promise<ExternalRepository>;
  /** Records the SSH host keys a first fetch pinned. */
  pinKnownHosts(app: string, knownHosts: string): Promise<void>;
  resolveRef(
    gitDir: string,
    ref: string,
    o: { signal: AbortSignal },
  ): Promise<{ commit: string; ref: string | null }>;
  fetch(o: {
    repository: ExternalRepository;
    ref: string;
    signal: AbortSignal;
    log: (line: string) => void;
  }): Promise<{ commit: string; ref: string | null; knownHosts?: string | undefined }>;
  checkTree(gitDir: string, commit: string, o: { signal: AbortSignal }): Promise<void>;
  archive(gitDir: string, commit: string, o: { signal: AbortSignal }): Readable;
  /** The URL without credentials, for records and logs. */
  displayUrl(url: string): string;
  /** A ref name as a user gave it, checked (GIT_REF_INVALID). */
  checkRef(ref: string): string;
}

export function gitSource(git: GitAccess): SourceKind<'git'> {
  return {
    async check(app, spec) {
      const ref = git.checkRef(spec.ref);
      if (spec.repository === 'external') {
        await git.external(app); // SOURCE_NOT_CONFIGURED now rather than in the job
        return { ...spec, ref };
      }
      if (spec.commit) return { ...spec, ref };
      // The hosted repository is here: pin the ref now, so the deploy builds what it named when made.
      const dir = await git.hostedRepo(app);
      const found = await git.resolveRef(dir, ref, { signal: AbortSignal.timeout(60_000) });
      return { ...spec, ref: found.ref ?? ref, commit: found.commit };
    },
    async resolve(app, spec, step) {
      if (spec.repository === 'hosted') {
        const dir = await git.hostedRepo(app);
        const found = await git.resolveRef(dir, spec.commit ?? spec.ref, step);
        const ref = spec.commit ? refName(spec.ref) : found.ref;
        return { type: 'git', repository: 'hosted', ...(ref ? { ref } : {}), commit: found.commit };
      }
      const repository = await git.external(app);
      const shown = git.displayUrl(repository.url);
      step.log(`-----> Fetching ${spec.ref} from ${shown}`);
      const fetched = await git.fetch({ repository, ref: spec.commit ?? spec.ref, ...step });
      if (fetched.knownHosts) await git.pinKnownHosts(app, fetched.knownHosts);
      const ref = spec.commit ? refName(spec.ref) : fetched.ref;
      return {
        type: 'git',
        repository: 'external',
        url: shown,
        ...(ref ? { ref } : {}),
        commit: fetched.commit,
      };
    },
    async materialize(app, spec, origin, workDir, step) {
      let dir: string;
      if (origin.repository === 'hosted') {
        dir = await git.hostedRepo(app);
      } else {
        // The mirror may have lost the commit since (a force-push upstream pruned it, the mirror was
        // removed): fetching the commit again is cheap when it is still there.
        const repository = await git.external(app);
        await git.fetch({ repository, ref: origin.commit, ...step });
        dir = repository.mirrorDir;
      }
      await git.checkTree(dir, origin.commit, step);
      step.log(
        `-----> Checking out ${origin.commit.slice(0, 12)}${spec.ref !== origin.commit ? ` (${spec.ref})` : ''}`,
      );
      const unpacked = await unpackPackage(git.archive(dir, origin.commit, step), workDir, {
        signal: step.signal,
        keepRoot: true,
      });
      step.log(`       ${unpacked.files} files, ${unpacked.bytes} bytes`);
      return { kind: 'tree', ...unpacked };
    },
  };
}

/** A ref as a deploy names it, when it is a name and not a commit id. */
function refName(ref: string): string | undefined {
  return /^[0-9a-f]{7,40}$/.test(ref) ? undefined : ref;
}
