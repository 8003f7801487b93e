// Apps as their authors wrote them, deployed through a real berthd on the process runtime and (with
// BERTH_TEST_DOCKER=1) on the Docker runtime: Heroku's canonical Procfile line
// (`web: python3 -m http.server $PORT`) deploys and answers; a Procfile beside an index.html runs
// its web process (no static site); an app cannot write to its release tree (EACCES on the process
// runtime; in a container EROFS for a new file, EACCES for an existing one) and can write to $HOME;
// a redeploy stops the old instance with SIGTERM, also when the app has no SIGTERM handler and is
// behind `sh` (Docker: the container's init forwards it, the old container exits with 143, not 137
// after the grace period), and nothing the Procfile line started in the background outlives its
// instance.
//
// App codes start with `pfa` (unique to this file). On Docker every container, network and release
// image of those apps is removed afterwards.
import fs from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceExit, InstanceInfo } from '../../src/runtime/index.ts';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';
import { type EngineFixture, packFiles, startEngineFixture } from './support.ts';

const isRoot = process.getuid?.() === 0;
const CODES = ['pfahttp', 'pfasite', 'pfawrite', 'pfagroup'];

/** The Heroku line, with a file to fetch, and a release line in shell. An empty requirements.txt
 *  makes it a Python app. */
const HTTP_SERVER_APP = {
  Procfile:
    'web: python3 -m http.server $PORT\n' +
    'release: test -w "$HOME" && echo "release line ran for v$BERTH_RELEASE" | tr a-z A-Z\n',
  'requirements.txt': '',
  'hello.txt': 'hello from a Procfile\n',
};

/** No package.json, no Python files: only the index.html would say "static site". */
const SITE_APP = {
  Procfile: 'web: node server.js --port=$PORT\n',
  'index.html': '<p>the static page</p>\n',
  'server.js': `
'use strict';
const port = Number(process.argv[2].replace('--port=', ''));
require('node:http')
  .createServer((req, res) => res.end('from the web process on ' + port))
  .listen(port, process.env.HOST);
process.on('SIGTERM', () => process.exit(0));
`,
};

/** GET /probe tries to write into its release tree (a new file, a file of the source, a file and a
 *  directory the build made: the venv) and into $HOME, and answers with each outcome. */
const WRITE_APP = {
  Procfile: 'web: python3 app.py $PORT\n',
  'requirements.txt': '',
  'app.py': `
import errno, http.server, json, os, sys

def attempt(path, mode='w'):
    try:
        with open(path, mode) as f:
            f.write('x')
        return 'ok'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        result = {'cwd': os.getcwd()}
        if self.path == '/probe':
            home = os.path.join(os.environ['HOME'], 'written-by-app')
            result.update({
                'newFile': attempt('written-by-app'),
                'sourceFile': attempt('app.py', 'a'),
                'builtFile': attempt('venv/pyvenv.cfg', 'a'),
                'builtDir': attempt('venv/written-by-app'),
                'home': attempt(home),
            })
            with open(home) as f:
                result['homeContent'] = f.read()
        body = json.dumps(result).encode()
        self.send_response(200)
        self.send_header('content-type', 'application/json')
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer((os.environ.get('HOST', '0.0.0.0'), int(sys.argv[1])), Handler).serve_forever()
`,
};

/** Not `exec`'d: sh waits for the server, a background sleep writes its pid to $HOME; the server
 *  serves $HOME. Neither has a SIGTERM handler of its own. */
const GROUP_APP = {
  Procfile:
    'web: sleep 3600 & echo $! > "$HOME/sleeper.pid"; python3 -m http.server $PORT --directory "$HOME"\n',
  'requirements.txt': '',
};

interface RuntimeCase {
  name: string;
  env: Record<string, string>;
  /** errno of creating a file in the release tree, and of opening one of its files for writing. */
  readOnly: { create: string; existing: string };
  /** What the old instance's exit looks like after a SIGTERM reached the app. */
  terminated: Partial<InstanceExit>;
  /** Whether host pids seen by the app are this host's (the process runtime). */
  hostPids: boolean;
  cleanup?: () => Promise<void>;
}

const cases: RuntimeCase[] = [
  {
    name: 'process',
    env: {},
    readOnly: { create: 'EACCES', existing: 'EACCES' },
    terminated: { code: null, signal: 'SIGTERM' },
    hostPids: true,
  },
];

if (dockerEnabled) {
  const docker = new Docker();
  cases.push({
    name: 'docker',
    // A long grace: a SIGKILL after it would show as 137; the init's forwarded SIGTERM as 143.
    env: { BERTH_RUNTIME: 'docker', BERTH_STOP_GRACE: '10s' },
    // The mount is read-only (checked first for a new file) and the files are root's (checked first
    // when an existing file is opened).
    readOnly: { create: 'EROFS', existing: 'EACCES' },
    terminated: { code: 143 },
    hostPids: false,
    cleanup: () => removeDockerLeftovers(docker, CODES),
  });
} else {
  process.stdout.write(`procfile apps on Docker skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('Procfile apps on the docker runtime', () => {
    it.skip(`(skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
}

describe.each(cases)('Procfile apps on the $name runtime', (rt) => {
  let f: EngineFixture;
  beforeAll(async () => {
    await rt.cleanup?.();
    f = await startEngineFixture('sqlite', rt.env);
    for (const code of CODES) await f.createApp(code);
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
    await rt.cleanup?.();
  }, 120_000);

  /** Deploys `files` to prod; fails the test unless the deploy succeeds. Long enough for a first
   *  Docker deploy that builds a stack image (debootstrap: minutes). */
  async function deploy(code: string, files: Record<string, string>) {
    const created = await f.upload(code, 'prod', await packFiles(files));
    const done = await f.waitDeploy(created.id, 840_000);
    if (done.status !== 'succeeded') {
      throw new Error(`deploy ${done.status}: ${JSON.stringify(done.error)}\n${await f.logsOf(done.id)}`);
    }
    return done;
  }

  /** Deploys `files` to prod again and returns how the instances of the previous release exited. */
  async function redeploy(code: string, files: Record<string, string>): Promise<InstanceInfo[]> {
    const before = (await f.t.berthd.runtime.list({ app: code, env: 'prod' })).map((i) => i.id);
    expect(before.length).toBeGreaterThan(0);
    const exits: InstanceInfo[] = [];
    const onExit = (info: InstanceInfo) => {
      if (before.includes(info.id)) exits.push(info);
    };
    f.t.berthd.runtime.on('exit', onExit);
    try {
      await deploy(code, files);
    } finally {
      f.t.berthd.runtime.off('exit', onExit);
    }
    const after = (await f.t.berthd.runtime.list({ app: code, env: 'prod' })).map((i) => i.id);
    expect(after.some((id) => before.includes(id))).toBe(false);
    return exits;
  }

  it('deploys the canonical Heroku line `web: python3 -m http.server $PORT` and serves it, runs its release line', async () => {
    const done = await deploy('pfahttp', HTTP_SERVER_APP);
    expect(await f.logsOf(done.id)).toContain('RELEASE LINE RAN FOR V1');
    const res = await f.get('/o/pfahttp/hello.txt');
    expect(res).toEqual({ status: 200, text: 'hello from a Procfile\n' });
    const [web] = await f.t.berthd.runtime.list({ app: 'pfahttp', env: 'prod' });
    expect(web?.processType).toBe('web');
  }, 900_000);

  it('stops an app without a SIGTERM handler by SIGTERM when it is redeployed', async () => {
    const exits = await redeploy('pfahttp', HTTP_SERVER_APP);
    expect(exits).toHaveLength(1);
    expect(exits[0]?.lastExit).toMatchObject(rt.terminated);
    expect((await f.get('/o/pfahttp/hello.txt')).status).toBe(200);
  }, 900_000);

  it('runs the web process of a Procfile beside an index.html instead of serving a static site', async () => {
    await deploy('pfasite', SITE_APP);
    const res = await f.get('/o/pfasite/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^from the web process on \d+$/);
    expect(await f.t.berthd.runtime.list({ app: 'pfasite', env: 'prod' })).toHaveLength(1);
  }, 900_000);

  const writeTest = rt.name === 'process' && !isRoot ? it.skip : it;
  writeTest(
    `cannot write its release tree (${rt.readOnly.create}, ${rt.readOnly.existing}), files the build made included, and writes $HOME${
      rt.name === 'process' && !isRoot ? ' (skipped: berthd seals release trees only as root)' : ''
    }`,
    async () => {
      await deploy('pfawrite', WRITE_APP);
      const res = await f.get('/o/pfawrite/probe');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({
        newFile: rt.readOnly.create,
        sourceFile: rt.readOnly.existing,
        builtFile: rt.readOnly.existing,
        builtDir: rt.readOnly.create,
        home: 'ok',
        homeContent: 'x',
      });
    },
    900_000,
  );

  it('stops the whole Procfile line (sh, its server, its background job) on a redeploy', async () => {
    await deploy('pfagroup', GROUP_APP);
    const pidFile = await f.get('/o/pfagroup/sleeper.pid');
    expect(pidFile.status).toBe(200);
    const sleeper = Number(pidFile.text.trim());
    expect(sleeper).toBeGreaterThan(0);
    if (rt.hostPids) expect(fs.existsSync(`/proc/${sleeper}`)).toBe(true);
    const exits = await redeploy('pfagroup', GROUP_APP);
    expect(exits).toHaveLength(1);
    expect(exits[0]?.lastExit).toMatchObject(rt.terminated);
    // In a container the pid is the container's own, and the container is gone with everything in it.
    if (rt.hostPids) expect(processAlive(sleeper)).toBe(false);
  }, 900_000);
});

/** The process exists and is not a zombie waiting to be reaped. */
function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Removes every container, network and release image of the given apps (whatever a test left). */
async function removeDockerLeftovers(docker: Docker, codes: readonly string[]): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: ['berth.app'] } });
  for (const c of containers) {
    if (codes.includes(c.Labels['berth.app'] ?? '')) await docker.getContainer(c.Id).remove({ force: true });
  }
  await removeAppNetworks(docker, [...codes]);
  for (const image of await docker.listImages()) {
    const tags = image.RepoTags ?? [];
    if (tags.some((tag) => codes.some((code) => new RegExp(`^berth-[a-z0-9]+/${code}:`).test(tag)))) {
      await docker.getImage(image.Id).remove({ force: true });
    }
  }
}
