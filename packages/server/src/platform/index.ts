// The platform module: berthd's own status for operators (version, store, runtime, gateway, jobs,
// disk use of the data directory).
export { createDataDirMeter, type DataDirMeter, type DataDirUsage } from './data-dir-usage.ts';
export { platformRoutes } from './platform-routes.ts';
export { createPlatformStatus, type PlatformStatusService, STATUS_READERS } from './platform-status.ts';
