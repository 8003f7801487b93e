// The nginx gateway driver (docs/nginx.md): berthd loads it only when BERTH_GATEWAY=nginx.

export { createNginxParts, freePort, type NginxPartsOptions } from './berthd-parts.ts';
export { createNginxDriver, type NginxDriverOptions } from './nginx-driver.ts';
export { NginxRenderError } from './nginx-syntax.ts';
export { renderNginxConfig } from './render.ts';
export type { NginxListen, NginxRenderSettings } from './render-settings.ts';
export { stopNginx } from './stop-nginx.ts';
