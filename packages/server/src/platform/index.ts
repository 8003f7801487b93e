// The platform module: berthd's own status for operators (version, store, runtime, gateway, jobs,
// disk use of the data directory) and the machines app instances run on (nodes).
export { createDataDirMeter, type DataDirMeter, type DataDirUsage } from './data-dir-usage.ts';
export { nodesRoutes } from './nodes-routes.ts';
export { createNodesService, type NodesService } from './nodes-service.ts';
export { platformRoutes } from './platform-routes.ts';
export { createPlatformStatus, type PlatformStatusService, STATUS_READERS } from './platform-status.ts';
