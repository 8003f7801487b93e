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
