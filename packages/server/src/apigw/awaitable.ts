// A value at once, or a promise of it. The steps of a gateway call answer from memory on almost every
// call (a remembered secret, a fresh copy of the grants, tokens at hand); they return the value
// itself then, and a promise only when they have to ask (the store, or berthd over the IPC channel),
// so that a call costs no promise per step (call-handler.ts awaits only what is a promise).
export type Awaitable<T> = T | Promise<T>;
