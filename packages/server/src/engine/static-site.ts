// Static sites (`runtime: static` releases) are served by the gateway from the route table (see
// gateway/static-files.ts); the engine only puts each site's root in the table.
export { resolveStaticFile, type StaticSite } from '../gateway/static-files.ts';
