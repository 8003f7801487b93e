// Packs a directory picked with <input webkitdirectory> into the .tar.gz a deploy uploads: the
// CLI's rules pick the files (package-plan.ts), tar-writer.ts writes the archive and gzips it.
import { isIgnoreFile, pathBelowRoot, planPackage } from './package-plan.ts';
import { gzipBlob, type TarEntry, writeTar } from './tar-writer.ts';

export interface PackedDirectory {
  /** The picked directory's own name. */
  name: string;
  archive: Blob;
  fileCount: number;
}

/** The directory has no file left after the ignore rules. */
export class EmptyPackageError extends Error {
  constructor() {
    super('nothing to deploy: the directory has no files after the ignore files');
    this.name = 'EmptyPackageError';
  }
}

export async function packPickedDirectory(
  picked: readonly File[],
  onProgress?: (fraction: number) => void,
): Promise<PackedDirectory> {
  const files = new Map<string, File>();
  let name = '';
  for (const file of picked) {
    const full = file.webkitRelativePath || file.name;
    if (!name) name = full.split('/')[0] ?? '';
    files.set(pathBelowRoot(full), file);
  }
  const ignoreTexts = new Map<string, string>();
  for (const [path, file] of files) {
    if (isIgnoreFile(path)) ignoreTexts.set(path, await file.text());
  }
  const plan = planPackage(files, ignoreTexts);
  if (plan.fileCount === 0) throw new EmptyPackageError();
  const entries: TarEntry[] = plan.entries.map((e) =>
    e.type === 'directory' ? e : { type: 'file', path: e.path, body: e.file },
  );
  const archive = await gzipBlob(writeTar(entries), (read, total) =>
    onProgress?.(total === 0 ? 1 : read / total),
  );
  return { name, archive, fileCount: plan.fileCount };
}
