// The Source seam: where a build's code comes from. A deploy names a source (`SourceSpec`: an
// uploaded package, a git ref of the app's hosted or external repository, a Docker image); a source
// pins it to an exact identity (`SourceOrigin`: a package digest, a commit, an image digest) and
// writes that identity's tree into a work directory, or names the image. The engine builds what it
// is handed and never learns where the code came from; builds are reused by the pinned identity.
import type { SourceOrigin } from '@berth/sdk';

/** What a deploy asks for, stored in its params. `commit` is set where it was pinned when the
 *  deploy was made (a push names its commit; a hosted ref is resolved at once). */
export type SourceSpec =
  | {
      type: 'package';
      /** The deploy whose upload it is. */
      id: string;
      sha256?: string;
      /** The berthd replica that received it: the upload is in its data dir, so its build runs there. */
      at?: string;
    }
  | {
      type: 'git';
      repository: 'hosted' | 'external';
      ref: string;
      commit?: string;
      /** Hosted: the berthd replica whose data dir holds the repository the deploy was made from. */
      at?: string;
    }
  | { type: 'image'; image: string };

export interface SourceStep {
  signal: AbortSignal;
  /** A line of the deploy log. */
  log: (line: string) => void;
}

/** A source tree unpacked into a work directory, or an image that needs no build. */
export type Materialized =
  | { kind: 'tree'; root: string; files: number; bytes: number }
  | {
      kind: 'image';
      /** As it was named. */
      image: string;
      /** The image id (sha256:…) on the Docker host, which the release pins. */
      digest: string;
      /** Its CMD (the web process). */
      cmd: string[];
    };

export interface Sources {
  /**
   * Checks a spec when the deploy is made, so a bad one is refused at once (GIT_REF_INVALID,
   * SOURCE_NOT_CONFIGURED, IMAGE_REGISTRY_NOT_ALLOWED…), and pins what is cheap to pin now (a ref of
   * the hosted repository to its commit). Slow work (fetching, pulling) waits for the deploy's job.
   */
  check(app: string, spec: SourceSpec): Promise<SourceSpec>;
  /** Pins a spec to its exact identity (may fetch: an external repository, a registry image). */
  resolve(app: string, spec: SourceSpec, step: SourceStep): Promise<SourceOrigin>;
  /**
   * Writes the source's tree into `workDir` (which must not exist yet), through the same hardened
   * unpacker for every kind, or names the image to run. Refusals: the catalogue's PACKAGE_*,
   * SOURCE_* and GIT_* codes.
   */
  materialize(
    app: string,
    spec: SourceSpec,
    origin: SourceOrigin,
    workDir: string,
    step: SourceStep,
  ): Promise<Materialized>;
}

/** The identity builds are reused by: the same key is the same code. A commit is the same tree in any
 *  repository; an image digest is the same image under any name. */
export function sourceKey(origin: SourceOrigin): string {
  switch (origin.type) {
    case 'package':
      return `package:${origin.sha256}`;
    case 'git':
      return `git:${origin.commit}`;
    case 'image':
      return `image:${origin.digest}`;
  }
}

/** A short account of an origin for deploy logs: `package 3f2a1c…`, `main (9b1e…) of the hosted repository`. */
export function describeOrigin(origin: SourceOrigin): string {
  switch (origin.type) {
    case 'package':
      return `package ${origin.sha256.slice(0, 12)}`;
    case 'git': {
      const where =
        origin.repository === 'hosted' ? 'the hosted repository' : (origin.url ?? 'the external repository');
      const ref = origin.ref ? `${origin.ref.replace(/^refs\/(heads|tags)\//, '')} ` : '';
      return `${ref}${origin.commit.slice(0, 12)} of ${where}`;
    }
    case 'image':
      return `image ${origin.image} (${origin.digest.slice(0, 19)})`;
  }
}
