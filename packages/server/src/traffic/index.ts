// The apps' traffic as the gateway counted it: per app for its readers, and a Prometheus exposition.
export { latencyQuantile } from './latency-quantile.ts';
export { type ExpositionInput, labelValue, renderExposition } from './prometheus.ts';
export { EXPOSITION_TYPE, trafficRoutes } from './traffic-routes.ts';
export {
  createTrafficService,
  METRICS_READERS,
  type TrafficDeps,
  type TrafficService,
} from './traffic-service.ts';
