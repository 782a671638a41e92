// Bundles src/main.ts into dist/ with esbuild. Commands are split into chunks
// loaded on demand, so start-up pays only for the entry and commander.
// Builds into a fresh directory, then moves the content-hashed chunks in
// beside any older ones and renames the entry last: a failed build leaves the
// previous dist/ whole, and a process started from the previous entry still
// finds the chunks it loads lazily.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';

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

const dist = new URL('../dist', import.meta.url).pathname;
const next = `${dist}.next-${process.pid}`;
try {
  const result = await build({
    // dist/meta.json: which modules each chunk holds (the bundle tests read it).
    metafile: true,
    entryPoints: { accelctl: 'src/main.ts' },
    outdir: next,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // koffi ships a native addon per platform: it must stay a runtime require.
    external: ['koffi'],
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    // Whitespace and syntax only: identifiers stay readable in --debug stacks.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [lazyChildProcess],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  mkdirSync(`${dist}/chunks`, { recursive: true });
  for (const f of readdirSync(`${next}/chunks`)) renameSync(`${next}/chunks/${f}`, `${dist}/chunks/${f}`);
  writeFileSync(`${dist}/meta.json`, JSON.stringify(result.metafile).replaceAll(`dist.next-${process.pid}`, 'dist'));
  for (const f of ['accelctl.mjs.map', 'accelctl.mjs']) renameSync(`${next}/${f}`, `${dist}/${f}`);
} catch (err) {
  if (err && !err.errors) console.error(err);
  process.exitCode = 1;
} finally {
  rmSync(next, { recursive: true, force: true });
}
