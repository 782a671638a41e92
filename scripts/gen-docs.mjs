// Writes completions/ and man/ from the command model (npm run gen).
// test/unit/docs-drift.test.ts fails when the checked-in files drift from it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const out = 'dist/docs.mjs';
await build({ entryPoints: ['src/docs/index.ts'], outfile: out, bundle: true, format: 'esm', platform: 'node', external: ['koffi'], logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
const { generatedFiles } = await import(new URL('../' + out, import.meta.url).href);
rmSync(out); // not part of dist/ (package.json ships dist/)
for (const [path, text] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
