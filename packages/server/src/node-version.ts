// The oldest Node.js berthd runs on, and the message that refuses an older one. `node:sqlite` and the
// cluster's SO_REUSEPORT need 22.12; the supported runtime is Node.js 24, which `npm ci` installs into
// node_modules (the node-linux-* packages) and `npm start` puts first on PATH.

export const MIN_NODE = { major: 22, minor: 12 } as const;

/** Why Node.js `version` (e.g. "20.20.2", without the "v") cannot run berthd; undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return undefined;
  return [
    `Node.js v${version} is too old: Berth needs Node.js ${MIN_NODE.major}.${MIN_NODE.minor} or newer (it is tested on 24).`,
    'Start it from the checkout with `npm ci && npm start`, which runs the Node.js 24 that npm installs',
    'into node_modules, or put a Node.js 24 first on PATH.',
  ].join('\n');
}
