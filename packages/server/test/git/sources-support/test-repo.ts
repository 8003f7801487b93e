// Real repositories for the git plumbing's tests: a bare repository and a work tree beside it,
// written with the real git client (fixed author and dates, so that runs are alike).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitEnvironment } from '../../../src/git/run-git.ts';

export type FileSpec = string | Buffer | { content: string | Buffer; mode: 0o755 } | { symlink: string };

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/** Runs git (in tests only: the code under test goes through run-git.ts) and returns stdout. */
export function git(args: string[], env: Record<string, string> = {}, input?: string): string {
  return execFileSync('git', args, {
    env: gitEnvironment({ ...AUTHOR, ...env }),
    input: input ?? '',
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

export class TestRepo {
  readonly gitDir: string;
  readonly work: string;
  private count = 0;

  constructor(readonly root: string) {
    this.gitDir = path.join(root, 'repo.git');
    this.work = path.join(root, 'work');
    fs.mkdirSync(this.work, { recursive: true });
    git(['init', '--bare', '--quiet', '--initial-branch=main', this.gitDir]);
  }

  static temp(prefix = 'berth-git-'): TestRepo {
    return new TestRepo(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  /** git against the bare repository and the work tree. */
  git(args: string[], input?: string): string {
    return git([`--git-dir=${this.gitDir}`, `--work-tree=${this.work}`, ...args], {}, input);
  }

  /** Writes the files (a null removes one), commits everything on `branch` and returns the commit. */
  commit(files: Record<string, FileSpec | null>, branch = 'main', message?: string): string {
    for (const [name, spec] of Object.entries(files)) {
      const file = path.join(this.work, name);
      fs.rmSync(file, { force: true, recursive: true });
      if (spec === null) continue;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (typeof spec === 'string' || Buffer.isBuffer(spec)) fs.writeFileSync(file, spec);
      else if ('symlink' in spec) fs.symlinkSync(spec.symlink, file);
      else {
        fs.writeFileSync(file, spec.content);
        fs.chmodSync(file, spec.mode);
      }
    }
    this.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    this.git(['add', '--all']);
    this.git(['commit', '--quiet', '--allow-empty', '-m', message ?? `commit ${++this.count}`]);
    return this.git(['rev-parse', 'HEAD']);
  }

  /** A commit whose tree holds a gitlink (a submodule entry) at `at`, on `branch`. */
  commitGitlink(at: string, target: string, branch: string): string {
    this.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    this.git(['update-index', '--add', '--cacheinfo', `160000,${target},${at}`]);
    this.git(['commit', '--quiet', '-m', `gitlink ${at}`]);
    const commit = this.git(['rev-parse', 'HEAD']);
    this.git(['rm', '--cached', '--quiet', at]);
    return commit;
  }

  tag(name: string, target: string, annotated = false): void {
    if (annotated) this.git(['tag', '-a', '-m', `tag ${name}`, '--', name, target]);
    else this.git(['tag', '--', name, target]);
  }

  branch(name: string, target: string): void {
    this.git(['update-ref', `refs/heads/${name}`, target]);
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
