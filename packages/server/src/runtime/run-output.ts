// How every driver hands a one-off run's output to its reader (RunIO.output): when the reader asks
// to wait, the driver stops reading its source until the reader may take more.
import type { RunIO } from './driver.ts';

export function deliverOutput(
  io: RunIO,
  stream: 'stdout' | 'stderr',
  data: string,
  source: { pause(): unknown; resume(): unknown },
): void {
  const wait = io.output(stream, data);
  if (!wait) return;
  source.pause();
  void wait.finally(() => source.resume());
}
