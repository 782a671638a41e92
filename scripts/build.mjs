// Bundles src/main.ts into dist/ with esbuild. Commands are split into chunks
// loaded on demand, so start-up pays only for the entry and commander.
// Builds into a fresh directory and swaps it in, so a failed build (or one
// racing another) never leaves a half-written or empty dist/ behind.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';

const dist = new URL('../dist', import.meta.url).pathname;
const next = `${dist}.next-${process.pid}`;
const old = `${dist}.old-${process.pid}`;
try {
  await build({
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
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
} catch {
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
try {
  renameSync(dist, old);
} catch {
  // no previous dist
}
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
