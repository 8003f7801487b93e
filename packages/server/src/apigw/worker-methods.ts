// The names of berthd's services for the API gateway policy in gateway workers (worker-services.ts
// answers them, worker-policy.ts asks), and the notices berthd sends when something workers keep a
// copy of changed. Shared by both sides; imports nothing.

export const WORKER_METHODS = {
  declarationsVersion: 'apigw.declarations-version',
  declarations: 'apigw.declarations',
  accessVersion: 'apigw.access-version',
  access: 'apigw.access',
  secret: 'apigw.secret',
  nonce: 'apigw.nonce',
  user: 'apigw.user',
  rate: 'apigw.rate',
  records: 'apigw.records',
  builtin: 'apigw.builtin',
} as const;

/** Notices (GatewayCluster.notice): the declarations, or the grants and trusted apps, changed
 *  through berthd; a worker reads them again at its next call. */
export const WORKER_NOTICES = {
  declarations: 'apigw.declarations-changed',
  access: 'apigw.access-changed',
} as const;

/** A built-in component's call as it travels to berthd (the query as a string). */
export interface WorkerBuiltinCall {
  app: string;
  user: string | null;
  params: Record<string, string>;
  query: string;
  body: unknown;
}
