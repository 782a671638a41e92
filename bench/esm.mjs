// The layout question of the command table (issue 12), measured rather than
// argued: the shipped build (a tiny CommonJS dispatcher that requires one
// CommonJS bundle per command) against the plainest alternative, ES modules
// with esbuild's code splitting, where each table entry's load() stays a
// lazy import() of its own chunk. Both are built from the same src/ and
// timed side by side against `node -e 0`, in one run.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, sideBySide } from './lib.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export async function esmVersusBundles(runs = 30) {
  const out = mkdtempSync(join(tmpdir(), 'accelctl-esm-'));
  const tree = mkdtempSync(join(tmpdir(), 'accelctl-bench-'));
  try {
    const gen = spawnSync(process.execPath, [join(repo, 'test/gen/generate.mjs'), '--parents', '1', '--mdevs', '0', tree], { stdio: 'ignore' });
    if (gen.status !== 0) throw new Error('generator failed');
    await build({
      absWorkingDir: repo,
      entryPoints: ['src/main.ts'],
      outdir: out,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['koffi'],
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'error',
      // commander (CommonJS) requires Node built-ins: give the ES chunks a require.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
    const chunks = readdirSync(out).filter((f) => f.endsWith('.mjs')).length;
    const args = ['--root', tree, 'types', '--json'];
    const m = sideBySide(
      [
        { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
        { name: 'bundles', cmd: process.execPath, args: [join(repo, 'bin/accelctl'), ...args] },
        { name: 'esm', cmd: process.execPath, args: [join(out, 'main.mjs'), ...args] },
      ],
      runs,
    );
    const base = m['node -e 0'];
    console.log(`layout (median of ${runs}, types --json): node -e 0 ${fmt(base)}`);
    console.log(`  CommonJS dispatcher + one bundle per command: ${fmt(m.bundles)}, ${(m.bundles / base).toFixed(2)}x`);
    console.log(`  ES modules with lazy import() (${chunks} chunks): ${fmt(m.esm)}, ${(m.esm / base).toFixed(2)}x`);
    return { bundles: m.bundles / base, esm: m.esm / base };
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(tree, { recursive: true, force: true });
  }
}
