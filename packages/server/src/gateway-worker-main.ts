// The composition root of a gateway worker process (forked by berthd: gateway/gateway-cluster.ts).
// It runs the gateway's worker (gateway/worker-main.ts) with the route policies workers serve
// themselves: the API gateway's calls (`/api/c/…`), checked and forwarded in the worker, with what
// only berthd has (secrets, nonces, user tokens, rate-limit leases, call records, the built-in
// system's handlers) asked of berthd over the IPC channel (apigw/worker-policy.ts).
import { createApigwWorkerPolicy } from './apigw/worker-policy.ts';
import { runGatewayWorker } from './gateway/worker-main.ts';

runGatewayWorker({ policies: (ctx) => new Map([['apigw', createApigwWorkerPolicy(ctx)]]) });
