// Who may read an artifact a container mounts at /app. A container sees only its own mounts, so
// other apps' containers never reach an artifact; on the host, the artifact is given to the app's
// container uid as its group (root:<uid>, directories and executables 0750, other files 0640,
// owner unchanged), the same scheme the process runtime uses with the app's Unix group
// (process/app-dirs.ts `prepareArtifact`). The container runs as <uid>:<uid>, so it reads through the
// group bits, cannot write, and no other host user but the owner can read.
//
// Only when berthd runs as root (otherwise it cannot change groups, and the artifact keeps the
// modes it was built with).
import { prepareArtifact } from '../process/app-dirs.ts';

export function grantArtifact(artifactDir: string, uid: number): void {
  if (process.getuid?.() !== 0) return;
  prepareArtifact(artifactDir, uid);
}
