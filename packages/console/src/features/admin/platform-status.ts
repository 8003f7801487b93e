// What the status page computes from GET /api/v1/platform/status (the SDK's `platformStatus()`).
import type { PlatformStatus } from '@berth/sdk';

/** The share of the data directory's file system in use (0-100, one decimal), or undefined when unknown. */
export function diskUsedPercent(dataDir: PlatformStatus['dataDir']): number | undefined {
  if (!(dataDir.totalBytes > 0)) return undefined;
  const used = Math.max(0, dataDir.totalBytes - dataDir.freeBytes);
  return Math.min(100, Math.round((used / dataDir.totalBytes) * 1000) / 10);
}
