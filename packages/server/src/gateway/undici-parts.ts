// The two parts of undici the gateway uses, loaded alone: the whole package (fetch, WebSocket,
// caches, mocks, …) costs ~9 MB more in every gateway process and in berthd. They are internal
// paths of undici 7; test/gateway/undici-parts.test.ts checks that they are still the package's own
// Pool and buildConnector, so an undici upgrade that moves them fails there, not in production.
import { createRequire } from 'node:module';
import type { buildConnector as BuildConnector, Pool as PoolClass } from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolClass;
export type Pool = PoolClass;
export const buildConnector = require('undici/lib/core/connect.js') as typeof BuildConnector;
