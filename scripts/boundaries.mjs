// Which modules of the server may import which (`npm run check` runs it through
// check-boundaries.mjs; test/boundaries.test.ts proves each rule bites):
//   - the engine talks to runtimes, builds and images through interfaces: it imports no driver
//     (`runtime/{driver}/`), no container build (`build/container/`, `build/dockerfile/`), no image
//     operation (only `images/release-names.ts`) and no Docker client;
//   - the gateway depends on nothing of the platform: outside `gateway/` it imports the logger, the
//     error catalogue and leaf modules (constants that import nothing of the project); its
//     composition parts (`berthd-parts.ts`) also read berthd's configuration;
//   - `containers/` (how every Berth container is created, its isolation) is shared by the runtimes
//     and the builds, so it imports nothing of the project outside itself: neither can pull the
//     other in through it.
// Direct imports are checked (`import … from`, `export … from`, `import '…'`, `import(…)`), by the
// path they resolve to.
import fs from 'node:fs';
import path from 'node:path';

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/g;

/** The import specifiers of a source text. */
export function importsOf(text) {
  const found = [];
  for (const m of text.matchAll(SPECIFIER)) found.push(m[1] ?? m[2] ?? m[3]);
  return found;
}

function sourceFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(path.join(entry.parentPath, entry.name));
    }
  }
  return files.sort();
}

/** `src`-relative path with `/` of what a relative specifier names, or null (a package). */
function resolved(srcRoot, file, specifier) {
  if (!specifier.startsWith('.')) return null;
  return path
    .relative(srcRoot, path.resolve(path.dirname(file), specifier))
    .split(path.sep)
    .join('/');
}

/** Whether a module imports nothing of the project (a leaf: constants, small helpers). */
function isLeaf(srcRoot, relative) {
  const file = path.join(srcRoot, relative);
  if (!fs.existsSync(file)) return false;
  return importsOf(fs.readFileSync(file, 'utf8')).every((s) => !s.startsWith('.'));
}

const RULES = [
  {
    name: 'engine-through-interfaces',
    from: (rel) => rel.startsWith('engine/'),
    forbids(target, specifier) {
      if (specifier === 'dockerode' || specifier.startsWith('dockerode/')) return 'the Docker client';
      if (target === null) return null;
      if (/^runtime\/[^/]+\//.test(target)) return 'a runtime driver (use runtime/index.ts)';
      if (target.startsWith('build/container/') || target.startsWith('build/dockerfile/'))
        return 'a container build (use EngineContainers)';
      if (target.startsWith('images/') && target !== 'images/release-names.ts')
        return 'image operations (use EngineContainers; names from images/release-names.ts)';
      return null;
    },
  },
  {
    name: 'gateway-stands-alone',
    from: (rel) => rel.startsWith('gateway/'),
    forbids(target, _specifier, rel, srcRoot) {
      if (target === null || target.startsWith('gateway/')) return null;
      if (target === 'logger.ts' || target === 'errors.ts') return null;
      if (target === 'config.ts' && rel.endsWith('/berthd-parts.ts')) return null;
      if (isLeaf(srcRoot, target)) return null;
      return 'a platform module (the gateway may import the logger, the errors and leaf modules)';
    },
  },
  {
    name: 'containers-import-nothing',
    from: (rel) => rel.startsWith('containers/'),
    forbids(target) {
      if (target === null || target.startsWith('containers/')) return null;
      return 'a platform module (containers/ is shared by the runtimes and the builds)';
    },
  },
];

/** Every import that breaks a rule, as `file: imports specifier (why) [rule]`. */
export function checkBoundaries(srcRoot) {
  const problems = [];
  for (const file of sourceFiles(srcRoot)) {
    const rel = path.relative(srcRoot, file).split(path.sep).join('/');
    const rules = RULES.filter((r) => r.from(rel));
    if (rules.length === 0) continue;
    for (const specifier of importsOf(fs.readFileSync(file, 'utf8'))) {
      const target = resolved(srcRoot, file, specifier);
      for (const rule of rules) {
        const why = rule.forbids(target, specifier, rel, srcRoot);
        if (why !== null) problems.push(`${rel}: imports ${specifier} (${why}) [${rule.name}]`);
      }
    }
  }
  return problems;
}
