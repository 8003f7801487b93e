// The file a gateway worker process starts from: gateway-cluster.ts forks it with `node:cluster`
// and the absolute path of worker-main.ts as its argument (which `ps` then shows).
// berthd itself runs under tsx's module loader (`node --import tsx`), whose hooks run on a thread
// of their own: some 25 MB and a few hundred milliseconds more per process. A worker loads only the
// gateway's own modules, which need no ESM-only feature, so tsx's in-thread require hook does:
// it transpiles them as they are required (cached on disk, as the loader does).
'use strict';
const main = process.argv[2];
if (main === undefined) {
  process.stderr.write('worker-entry.cjs runs as a gateway worker forked by berthd only\n');
  process.exit(2);
}
require('tsx/cjs');
require(main);
