// The names of the files a rendered nginx configuration consists of, relative to its directory.

/** berthd's own nginx: the main configuration. */
export const MAIN_CONFIG = 'nginx.conf';
/** A system nginx: the file its http block includes, and the configuration `nginx -t` tests it in. */
export const HTTP_INCLUDE = 'http.conf';
export const TEST_CONFIG = 'test.conf';
/** Included by every proxied location. */
export const PROXY_INCLUDE = 'proxy-common.conf';
/** Included by every server block: its settings, and its error pages. */
export const SERVER_INCLUDE = 'server-common.conf';
export const ERRORS_INCLUDE = 'errors.conf';
/** Included by every location: the headers every answer carries. */
export const HEADERS_INCLUDE = 'headers.conf';
/** Included instead by the locations of an HTTPS server that sends HSTS, and by the error pages:
 *  the same, and Strict-Transport-Security from $berth_hsts (set by such a server only). */
export const HSTS_HEADERS_INCLUDE = 'headers-hsts.conf';
/** Included by the control listener: its answer, the one part that changes with every apply. */
export const CONTROL_INCLUDE = 'control.conf';
/** With dynamic upstreams: the servers of this table's dynamic blocks (render-lua.ts). */
export const UPSTREAM_DATA = 'upstreams.txt';
/** The files that are not the configuration's structure: a table that changes only these is
 *  served without a reload when upstreams are dynamic. */
export const DATA_FILES: readonly string[] = [CONTROL_INCLUDE, UPSTREAM_DATA];
