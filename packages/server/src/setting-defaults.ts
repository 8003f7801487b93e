// The defaults of berthd's settings that modules also need when they are made without a config
// (tests, tools, a gateway worker before its settings arrive). Each is written here once: config.ts
// applies them, the modules fall back on them, and docs/configuration.md states them (a test checks).
// A leaf module, so that importing a default loads nothing else.
export const SETTING_DEFAULTS = Object.freeze({
  /** BERTH_STOP_GRACE: between SIGTERM and SIGKILL when an instance stops. */
  stopGraceMs: 10_000,
  /** BERTH_LOG_MAX_SIZE: an instance's log file is rotated at this size. */
  logMaxBytes: 10 * 1024 * 1024,
  /** BERTH_LOG_FILES: rotated log files kept per instance. */
  logFiles: 3,
  /** BERTH_LOG_RETENTION: logs of instances that are gone are deleted this long after. */
  logRetentionMs: 7 * 86_400_000,
  /** BERTH_NGINX_LOG_MAX_MB: the logs nginx writes for berthd are rotated at this size. */
  nginxLogMaxBytes: 64 * 1024 * 1024,
  /** BERTH_NGINX_LOG_KEEP: rotated nginx logs kept beside each live one. */
  nginxLogKeep: 3,
  /** BERTH_GATEWAY_HEADER_TIMEOUT: time a client gets to send a request's headers. */
  gatewayHeaderTimeoutMs: 30_000,
  /** BERTH_GATEWAY_CONNECTIONS_PER_ADDRESS: open connections per client address (0: no cap). */
  gatewayConnectionsPerAddress: 256,
  /** BERTH_GATEWAY_UPSTREAM_CONNECTIONS: connections to each app instance (0: no limit). */
  gatewayUpstreamConnections: 64,
  /** BERTH_DEBIAN_MIRROR: where debootstrap downloads from when a stack image is built. */
  debianMirror: 'http://deb.debian.org/debian',
  /** BERTH_REGISTRY_ADDRESS: where the builtin registry listens (BERTH_RUNTIME=swarm). */
  registryAddress: '127.0.0.1:5000',
  /** BERTH_RUN_TIMEOUT: how long a one-off run (`berth run`) may take. */
  runTimeoutMs: 60 * 60_000,
  /** BERTH_RUNS_PER_APP: one-off runs one app may have going at once, per berthd. */
  runsPerApp: 3,
});
