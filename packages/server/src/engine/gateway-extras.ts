// What other modules add to the gateway table the engine computes: custom domains bound to app
// environments, their TLS certificates and host settings, and routes of their own (ACME HTTP-01
// challenges). The domains module supplies it; the engine's route tables merge it in.
import type { GatewayEnv, GatewayRoute, HostSettings, TlsCertificate } from '../gateway/route-model.ts';

/** A host (exact, or `*.example.com`) that serves an app environment at `/`. */
export interface HostBinding {
  host: string;
  app: string;
  env: GatewayEnv;
}

export interface GatewayExtras {
  bindings: HostBinding[];
  hosts: HostSettings[];
  certificates: TlsCertificate[];
  /** Routes served as they are (fixed answers such as ACME challenges). */
  routes: GatewayRoute[];
}

/** Reads the extras from the store, each time the engine computes a table. */
export type GatewayExtrasSource = () => Promise<GatewayExtras>;
