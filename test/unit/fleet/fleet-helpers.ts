// Shared by the Ansible tests: the collection built and installed into a temp
// dir, the fake-kernel accelctl (fake-accelctl.ts) built next to it, and
// ansible-playbook run against localhost with everything it writes in that dir.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO } from '../inventory/helpers.js';

const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';

export interface Fleet {
  dir: string;
  /** Directory holding `accelctl`: the fake-kernel build, for PATH. */
  bin: string;
  /** The real accelctl of this checkout (bin/accelctl). */
  real: string;
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

/** ansible-galaxy collection build of ansible/ into `dir`, then an offline install of the tarball into `into`. */
export function installCollection(dir: string, into: string, env: NodeJS.ProcessEnv): void {
  execFileSync('ansible-galaxy', ['collection', 'build', join(REPO, 'ansible'), '--output-path', dir], { env, stdio: 'pipe' });
  const tarball = join(dir, 'accelctl-vfio-0.1.0.tar.gz');
  execFileSync('ansible-galaxy', ['collection', 'install', tarball, '-p', into], { env, stdio: 'pipe' });
}

/** Builds the collection with ansible-galaxy, installs the tarball offline, builds the fake accelctl. */
export async function setupFleet(): Promise<Fleet> {
  const dir = mkdtempSync(join(SCRATCH, 'accelctl-fleet-'));
  for (const d of ['home', 'tmp', 'bin', 'collections']) mkdirSync(join(dir, d));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'tmp'),
    ANSIBLE_COLLECTIONS_PATH: join(dir, 'collections'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
  };
  delete env.ACCELCTL_ROOT;
  installCollection(dir, join(dir, 'collections'), env);
  await build({
    absWorkingDir: REPO,
    entryPoints: ['test/unit/fleet/fake-accelctl-main.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['koffi'],
    define: { 'import.meta.url': '__filename' },
    outfile: join(dir, 'fake-accelctl.cjs'),
    logLevel: 'warning',
  });
  // NODE_PATH: the bundle lives outside the checkout; koffi stays a runtime require.
  writeFileSync(join(dir, 'bin/accelctl'), `#!/bin/sh\nNODE_PATH='${join(REPO, 'node_modules')}' exec '${process.execPath}' '${join(dir, 'fake-accelctl.cjs')}' "$@"\n`);
  chmodSync(join(dir, 'bin/accelctl'), 0o755);
  return { dir, bin: join(dir, 'bin'), real: join(REPO, 'bin/accelctl'), env, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh copy of test/fixtures/machines/<name> to change. */
export function fixtureCopy(fleet: Fleet, name = 'qemu-6.1'): string {
  const root = mkdtempSync(join(fleet.dir, `${name}-`));
  cpSync(join(REPO, 'test/fixtures/machines', name), root, { recursive: true, verbatimSymlinks: true });
  return root;
}

/** Every path under root with its file bytes or link target: equal snapshots mean an untouched tree. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    const p = join(root, rel);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(p)}`);
    else if (st.isDirectory()) {
      out.set(rel, `dir ${st.mode.toString(8)}`);
      for (const e of readdirSync(p).sort()) walk(join(rel, e));
    } else out.set(rel, `file ${st.mode.toString(8)} ${readFileSync(p, 'base64')}`);
  };
  walk('.');
  return out;
}

export interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  msg?: string;
  rc?: number;
  diff?: { before?: string; after?: string } | { before?: string; after?: string }[];
  [k: string]: unknown;
}

export interface PlayRun {
  code: number;
  stderr: string;
  /** localhost's result of each task, by task name, with `status` (ok, failed, skipped). */
  tasks: Map<string, TaskResult>;
}

/** ansible-playbook -i localhost, -c local on `playbook` (text), with the test's record callback (callback/record.py). */
export function playbook(fleet: Fleet, text: string, o: { check?: boolean; diff?: boolean; env?: NodeJS.ProcessEnv; name?: string } = {}): PlayRun {
  const file = join(fleet.dir, `${o.name ?? 'play'}.yml`);
  writeFileSync(file, text);
  const args = ['-i', 'localhost,', '-c', 'local', file];
  if (o.check) args.push('--check');
  if (o.diff) args.push('--diff');
  const r = spawnSync('ansible-playbook', args, { env: { ...fleet.env, ...RECORD_ENV, ...o.env }, encoding: 'utf8', cwd: fleet.dir });
  if (r.error) throw r.error;
  return parseRecord(r.status ?? -1, r.stdout, r.stderr);
}

/** The environment that makes ansible-playbook print the record callback's JSON. */
export const RECORD_ENV = { ANSIBLE_CALLBACK_PLUGINS: join(REPO, 'test/unit/fleet/callback'), ANSIBLE_STDOUT_CALLBACK: 'record' };

export function parseRecord(code: number, stdout: string, stderr: string): PlayRun {
  let doc: { tasks: { task: string; host: string; status: string; result: TaskResult }[] };
  try {
    // One document per playbook of the run, each holding every task so far: the last one is the whole run.
    doc = JSON.parse(stdout.trim().split('\n').pop()!);
  } catch {
    throw new Error(`ansible-playbook printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
  const tasks = new Map<string, TaskResult>();
  for (const t of doc.tasks) tasks.set(t.task, { ...t.result, status: t.status });
  return { code, stderr, tasks };
}

/** Runs accelctl (the real one unless `exe` says otherwise) on root; returns stdout, failing on a non-zero exit. */
export function accelctl(fleet: Fleet, root: string, args: string[], exe = fleet.real): string {
  return execFileSync(exe, ['--root', root, ...args], { env: fleet.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The yaml block of README.md's "## Fleet" section: the playbook the README promises works as shown. */
export function readmePlaybook(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Fleet\n');
  const m = at < 0 ? null : /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error('README.md has no yaml block under ## Fleet');
  return m[1]!;
}
