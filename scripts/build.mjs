// Bundles the CLI into dist/ with esbuild, as CommonJS:
//   dist/accelctl.cjs     the dispatcher bin/accelctl loads (src/dispatch.ts):
//                         finds the command word, loads that command's bundle;
//   dist/cmd/<name>.cjs   the whole program with only that command's code (the
//                         other commands are stubs): a run loads one file;
//   dist/cmd/all.cjs      every command, for help, version and usage errors.
// Why not ES modules with split chunks: Node 20's ES module loader costs ~10 ms
// a run before any of our code, and a run loaded ~14 chunks. Shared code is
// repeated in each bundle; that is disk, not start-up.
// Builds into a fresh directory, then renames each file in, the dispatcher
// last: a failed build leaves the previous dist/ whole, and a running process
// keeps the file it already opened.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not .pathname: a checkout path with a space is %20 in a URL.
const repo = fileURLToPath(new URL('..', import.meta.url));

// commander requires node:child_process at load for executable subcommands,
// which accelctl does not use; loading it costs every run. Give commander a
// stand-in that loads the real module on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};

// In the bundle of command `only`, the other commands' modules (the lazy
// imports in src/cli.ts's LOADERS) are stubs: the dispatcher never picks a
// bundle whose command the argv does not name.
const onlyCommand = (only) => ({
  name: 'only-command',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z]+\.js$/ }, (args) => {
      if (!args.importer.endsWith('/src/cli.ts')) return undefined;
      const name = args.path.slice('./commands/'.length, -'.js'.length);
      return name === only ? undefined : { path: name, namespace: 'absent' };
    });
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents: `export function run() { throw new Error('internal: command ${args.path} is not in the ${only} bundle'); }`,
      loader: 'js',
    }));
  },
});

// A dynamic import() elsewhere in src (chalk when color is on, zod schemas
// when a file is parsed) stays lazy: the module becomes its own file in
// dist/lazy/, required on first use. Not for the command table (each bundle
// holds its own command) nor for src/schemas/index.ts (the schema command,
// where zod loads anyway).
const lazy = new Map(); // dist/lazy/<name>.cjs -> entry point
const lazySplit = {
  name: 'lazy-split',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || /\/src\/(cli|schemas\/index)\.ts$/.test(args.importer)) return undefined;
      const entry = args.path.startsWith('.') ? join(args.resolveDir, args.path).replace(/\.js$/, '.ts') : args.path;
      const name = (args.path.startsWith('.') ? relative(src, entry).replace(/\.ts$/, '') : entry).replaceAll('/', '-');
      lazy.set(name, entry);
      return { path: name, namespace: 'lazy-split' };
    });
    // A stand-in that requires the file: an import() left in the bundle would
    // start Node's ES module loader.
    b.onLoad({ filter: /.*/, namespace: 'lazy-split' }, (args) => ({ contents: `module.exports = require('../lazy/${args.path}.cjs');`, loader: 'js' }));
    b.onResolve({ filter: /^\.\.\/lazy\// }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  absWorkingDir: repo,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // koffi ships a native addon per platform: it must stay a runtime require.
  external: ['koffi'],
  // src/vfio/ffi.ts resolves koffi with createRequire(import.meta.url).
  define: { 'import.meta.url': '__filename' },
  sourcemap: 'linked',
  // Maps point into src/ rather than carry it: dist/ is half the size.
  sourcesContent: false,
  logLevel: 'warning',
  // Whitespace and syntax only: identifiers stay readable in --debug stacks.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
};

// The command names, from the same module the dispatcher uses.
const argv = await build({ absWorkingDir: repo, entryPoints: ['src/argv.ts'], bundle: true, format: 'esm', write: false, logLevel: 'warning' });
const { COMMANDS } = await import(`data:text/javascript;base64,${Buffer.from(argv.outputFiles[0].text).toString('base64')}`);

const src = join(repo, 'src');
const dist = join(repo, 'dist');
const next = `${dist}.next-${process.pid}`;
try {
  const bundles = [...COMMANDS, 'all'].map((name) =>
    build({
      ...common,
      entryPoints: ['src/main.ts'],
      outfile: `${next}/cmd/${name}.cjs`,
      plugins: name === 'all' ? [lazyChildProcess, lazySplit] : [lazyChildProcess, lazySplit, onlyCommand(name)],
    }),
  );
  const dispatcher = build({ ...common, entryPoints: ['src/dispatch.ts'], outfile: `${next}/accelctl.cjs` });
  const results = await Promise.all([...bundles, dispatcher]);
  for (const [name, entry] of lazy) results.push(await build({ ...common, entryPoints: [entry], outfile: `${next}/lazy/${name}.cjs` }));
  // dist/meta.json: the inputs of every output (the bundle tests read it).
  const outputs = Object.assign({}, ...results.map((r) => r.metafile.outputs));
  writeFileSync(`${next}/meta.json`, JSON.stringify({ outputs }).replaceAll(`dist.next-${process.pid}`, 'dist'));
  for (const dir of ['lazy', 'cmd']) {
    mkdirSync(`${dist}/${dir}`, { recursive: true });
    for (const f of readdirSync(`${next}/${dir}`)) renameSync(`${next}/${dir}/${f}`, `${dist}/${dir}/${f}`);
  }
  for (const f of ['meta.json', 'accelctl.cjs.map', 'accelctl.cjs']) renameSync(`${next}/${f}`, `${dist}/${f}`);
} catch (err) {
  if (err && !err.errors) console.error(err);
  process.exitCode = 1;
} finally {
  rmSync(next, { recursive: true, force: true });
}
