// A value at once, or a promise of it. The steps of a gateway call answer from memory on almost every
// call (a remembered secret, a fresh copy of the grants, tokens at hand); they return the value
// itself then, and a promise only when they have to ask (the store, or berthd over the IPC channel),
// so that a call costs no promise per step (call-handler.ts awaits only what is a promise).
// Callers test `instanceof Promise` themselves instead of going through a helper that takes a
// callback: that callback would be a closure made on every call, on the path this exists to make
// cheap.
export type Awaitable<T> = T | Promise<T>;
