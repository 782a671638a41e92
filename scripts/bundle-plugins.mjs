// The esbuild plugins of scripts/build.mjs, and how it reads the command
// table: small and side-effect free, so test/unit/bundle-plugins.test.ts can
// build with them.
import { build } from 'esbuild';
import { join, relative } from 'node:path';

// commander requires node:child_process at load for executable subcommands,
// which accelctl does not use; loading it costs every run. Give commander a
// stand-in that loads the real module on first use.
export const lazyChildProcess = {
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

const TABLE = /\/src\/commands\/table\.ts$/;
/** The entry modules, whose dynamic imports are the mutating path (src/entry.ts and src/main.ts, mutatingPath). */
const ENTRY = /\/src\/(entry|main)\.ts$/;

/**
 * The mutating path (the host lock, the executor, its journal, the kernel
 * writer) is what src/entry.ts and src/main.ts import dynamically. A
 * read-only command's bundle leaves it out (modules that throw when loaded:
 * a read-only run never takes that path); every other bundle keeps it in
 * the bundle itself, initialised on first use (one copy of each module, so
 * instanceof holds across them).
 */
export const mutatingPath = (readOnly) => ({
  name: 'mutating-path',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!readOnly || args.kind !== 'dynamic-import' || !ENTRY.test(args.importer)) return undefined;
      return { path: args.path, namespace: 'not-read-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'not-read-only' }, (args) => ({
      contents: `throw new Error('internal: ${args.path} (the mutating path) is not in a read-only command bundle');`,
      loader: 'js',
    }));
  },
});

/**
 * The bundle of command `only` keeps, of the command table's lazy imports,
 * its own module, and the output schemas only when it is `schema`: the
 * others become modules that throw when loaded (the dispatcher never picks a
 * bundle whose command the argv does not name). `all` keeps everything.
 */
export const onlyCommand = (only) => ({
  name: 'only-command',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (only === 'all' || !TABLE.test(args.importer)) return undefined;
      const command = /^\.\/([a-z]+)\.js$/.exec(args.path)?.[1];
      const schema = /^\.\.\/schemas\/([a-z]+)\.js$/.exec(args.path)?.[1];
      if (command !== undefined && command !== only) return { path: `command ${command}`, namespace: 'absent' };
      if (schema !== undefined && only !== 'schema') return { path: `schema ${schema}`, namespace: 'absent' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents: `throw new Error('internal: ${args.path} is not in the ${only} bundle');`,
      loader: 'js',
    }));
  },
});

/**
 * A dynamic import() elsewhere in src (chalk when color is on, zod schemas
 * when a file is parsed) stays lazy: the module becomes its own file in
 * dist/lazy/, required on first use; `lazy` collects name -> entry point.
 * Not for the command table (each bundle holds its own command, see
 * onlyCommand), nor for the entry's mutating path (see mutatingPath).
 */
export const lazySplit = (src, lazy) => ({
  name: 'lazy-split',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || TABLE.test(args.importer) || ENTRY.test(args.importer)) return undefined;
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
});

/**
 * The command names, the read-only ones, and the valued global options, read from the command
 * table itself (its lazy imports left unresolved, so nothing else loads).
 */
export async function tableFacts(repo) {
  const out = await build({
    absWorkingDir: repo,
    stdin: { contents: "export { COMMAND_NAMES, TABLE } from './src/commands/table.ts'; export { GLOBAL_VALUED } from './src/globals.ts';", resolveDir: repo, loader: 'ts' },
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'warning',
    plugins: [{ name: 'no-dynamic', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined)) }],
  });
  const { COMMAND_NAMES, TABLE, GLOBAL_VALUED } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return { names: [...COMMAND_NAMES], globalValued: [...GLOBAL_VALUED], readOnly: TABLE.filter((s) => !s.mutates).map((s) => s.name) };
}
