// Bundles the CLI into dist/ with esbuild, as CommonJS:
//   dist/accelctl.cjs     the dispatcher bin/accelctl loads (src/dispatch.ts):
//                         finds the command word, loads that command's bundle;
//   dist/cmd/<name>.cjs   the whole program with only that command's code (the
//                         other commands are stubs): a run loads one file; a
//                         read-only command's bundle also leaves out the
//                         mutating path (lock, executor, journal, writer);
//   dist/cmd/all.cjs      every command, for help, version and usage errors;
//   dist/selftest-worker.cjs  a worker thread of `health` (src/selftest/worker.ts).
// Why not ES modules with split chunks: Node 20's ES module loader costs ~10 ms
// a run before any of our code, and a run loaded ~14 chunks. Shared code is
// repeated in each bundle; that is disk, not start-up.
// Builds into a fresh directory, then renames each file in, the dispatcher
// last: a failed build leaves the previous dist/ whole, and a running process
// keeps the file it already opened.
// What lists the commands is the command table (src/commands/table.ts): one
// bundle per entry, and the dispatcher gets the names inlined.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyChildProcess, lazySplit, mutatingPath, onlyCommand, tableFacts } from './bundle-plugins.mjs';

// fileURLToPath, not .pathname: a checkout path with a space is %20 in a URL.
const repo = fileURLToPath(new URL('..', import.meta.url));

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

const { names, globalValued, readOnly } = await tableFacts(repo);

const src = join(repo, 'src');
const dist = join(repo, 'dist');
const next = `${dist}.next-${process.pid}`;
try {
  const lazy = new Map(); // dist/lazy/<name>.cjs -> entry point
  const bundles = [...names, 'all'].map((name) =>
    build({
      ...common,
      entryPoints: ['src/main.ts'],
      outfile: `${next}/cmd/${name}.cjs`,
      plugins: [lazyChildProcess, mutatingPath(readOnly.includes(name)), lazySplit(src, lazy), onlyCommand(name)],
    }),
  );
  const dispatcher = build({
    ...common,
    entryPoints: ['src/dispatch.ts'],
    outfile: `${next}/accelctl.cjs`,
    define: { ...common.define, ACCELCTL_COMMANDS: JSON.stringify(names), ACCELCTL_GLOBAL_VALUED: JSON.stringify(globalValued) },
  });
  const worker = build({ ...common, entryPoints: ['src/selftest/worker.ts'], outfile: `${next}/selftest-worker.cjs` });
  const results = await Promise.all([...bundles, dispatcher, worker]);
  for (const [name, entry] of lazy) results.push(await build({ ...common, entryPoints: [entry], outfile: `${next}/lazy/${name}.cjs` }));
  // dist/meta.json: the inputs of every output (the bundle tests read it).
  const outputs = Object.assign({}, ...results.map((r) => r.metafile.outputs));
  writeFileSync(`${next}/meta.json`, JSON.stringify({ outputs }).replaceAll(`dist.next-${process.pid}`, 'dist'));
  for (const dir of ['lazy', 'cmd']) {
    mkdirSync(`${dist}/${dir}`, { recursive: true });
    for (const f of readdirSync(`${next}/${dir}`)) renameSync(`${next}/${dir}/${f}`, `${dist}/${dir}/${f}`);
  }
  for (const f of ['meta.json', 'selftest-worker.cjs.map', 'selftest-worker.cjs', 'accelctl.cjs.map', 'accelctl.cjs']) renameSync(`${next}/${f}`, `${dist}/${f}`);
} catch (err) {
  if (err && !err.errors) console.error(err);
  process.exitCode = 1;
} finally {
  rmSync(next, { recursive: true, force: true });
}
