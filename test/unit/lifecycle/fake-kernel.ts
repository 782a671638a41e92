/**
 * Plays the kernel's part on a generated fixture tree: a write to `create`
 * makes the mdev appear, `remove` takes it away, drivers_probe binds by
 * driver_override, sriov_numvfs makes VFs. Every write is logged with its
 * exact bytes (kernel path), and a write can be made to fail with an errno.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Env } from '../../../src/env.js';
import { runHook, type BoundedResult, type HookRun, type KernelWriter, type WriteBounds } from '../../../src/plan/writer.js';
import { chownNoFollow } from '../../../src/plan/chown.js';

export interface Written {
  path: string;
  value: string;
}

const errno = (code: string) => Object.assign(new Error(code), { code });

/**
 * Where a fixture says which attributes the fake kernel's mdevs of a type
 * have (the real ones come from the vendor driver): a JSON object, type name
 * -> { attribute: value a new device starts with }. Outside /sys, so no
 * accelctl command sees it; every FakeKernel on the tree reads it.
 */
export const MDEV_ATTRS = '/fake-kernel/mdev-attrs.json';

function mdevAttrsOf(env: Env): Record<string, Record<string, string>> {
  try {
    return JSON.parse(fs.readFileSync(env.path(MDEV_ATTRS), 'utf8')) as Record<string, Record<string, string>>;
  } catch {
    return {};
  }
}

/** Gives the fake kernel's new mdevs of `type` these attribute files (name -> the value a new device starts with). */
export function giveMdevAttrs(env: Env, type: string, attrs: Record<string, string>): void {
  const all = mdevAttrsOf(env);
  all[type] = attrs;
  fs.mkdirSync(path.dirname(env.path(MDEV_ATTRS)), { recursive: true });
  fs.writeFileSync(env.path(MDEV_ATTRS), JSON.stringify(all));
}

export class FakeKernel implements KernelWriter {
  readonly log: Written[] = [];
  readonly chowns: { path: string; uid: number; gid: number }[] = [];
  readonly chmods: { path: string; mode: number }[] = [];
  /** kernel path -> errno to fail that write with. */
  readonly failures = new Map<string, string>();
  /** kernel paths whose bounded write stays blocked (a held mdev's remove). */
  readonly blocking = new Set<string>();
  /** The executor's bounds for blocking writes (the defaults when unset). */
  bounds?: WriteBounds;
  /** bdf -> the driver the kernel picks when no override is set. */
  readonly defaults = new Map<string, string>();
  /** nextGroup: the first IOMMU group number a new device gets (a process after another must not reuse one). */
  constructor(
    readonly env: Env,
    private nextGroup = 100,
  ) {}

  private sys = (...p: string[]) => this.env.sys(...p);
  private rel(at: string, target: string) {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.rmSync(at, { force: true });
    fs.symlinkSync(path.relative(path.dirname(at), target), at);
  }

  write(hostPath: string, value: string): void {
    const k = this.env.kernelPath(hostPath);
    if (!fs.existsSync(hostPath)) throw errno('ENOENT');
    this.log.push({ path: k, value });
    const fail = this.failures.get(k);
    if (fail) throw errno(fail);
    fs.writeFileSync(hostPath, value);
    this.react(hostPath, value);
  }

  async writeBounded(hostPath: string, value: string, _ms: number): Promise<BoundedResult> {
    const k = this.env.kernelPath(hostPath);
    if (this.blocking.has(k)) {
      this.log.push({ path: k, value });
      return { state: 'pending' };
    }
    try {
      this.write(hostPath, value);
      return { state: 'done' };
    } catch (e) {
      return { state: 'failed', errno: (e as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  }

  /** Callouts and notifiers really run (scripts in the fixture tree); each call is logged. */
  readonly hooks: { file: string; args: string[]; stdin: string }[] = [];
  hookTimeoutMs = 10_000;

  runHook(file: string, args: string[], stdin: string): Promise<HookRun> {
    this.hooks.push({ file: this.env.kernelPath(file), args, stdin });
    return runHook(file, args, stdin, this.hookTimeoutMs);
  }

  /** Logged, and done on the fixture node as the real writer does it (the tests run as root). */
  chown(hostPath: string, uid: number, gid: number): void {
    this.chowns.push({ path: this.env.kernelPath(hostPath), uid, gid });
    chownNoFollow(hostPath, uid, gid);
  }

  /** Recorded, and applied to the fixture's node (a plain file), so a second run sees the mode. */
  chmod(hostPath: string, mode: number): void {
    this.chmods.push({ path: this.env.kernelPath(hostPath), mode });
    fs.chmodSync(hostPath, mode);
  }

  private react(hostPath: string, value: string): void {
    const base = path.basename(hostPath);
    const dir = path.dirname(hostPath);
    if (base === 'create' && path.basename(path.dirname(dir)) === 'mdev_supported_types') return this.createMdev(dir, value);
    if (base === 'remove') return this.removeMdev(fs.realpathSync(dir));
    if (base === 'driver_override') return fs.writeFileSync(hostPath, value === '\n' ? '(null)\n' : `${value}\n`);
    if (base === 'unbind') return this.unbind(path.basename(dir), value);
    if (base === 'bind') return this.bind(value, path.basename(dir));
    if (base === 'drivers_probe') return this.probe(value);
    if (base === 'sriov_numvfs') return this.setVfs(fs.realpathSync(dir), Number(value));
  }

  private newGroup(devDir: string, name: string, mdev: boolean): number {
    // Numbers from 100 up, skipping those in use: another FakeKernel may have worked on this tree before.
    while (fs.existsSync(this.sys('kernel/iommu_groups', String(this.nextGroup)))) this.nextGroup++;
    const g = this.nextGroup++;
    const gdir = this.sys('kernel/iommu_groups', String(g));
    fs.mkdirSync(path.join(gdir, 'devices'), { recursive: true });
    fs.writeFileSync(path.join(gdir, 'type'), mdev ? 'unknown\n' : 'DMA\n');
    this.rel(path.join(gdir, 'devices', name), devDir);
    this.rel(path.join(devDir, 'iommu_group'), gdir);
    return g;
  }

  private createMdev(typeDir: string, uuid: string): void {
    const parentDir = fs.realpathSync(path.dirname(path.dirname(typeDir)));
    const avail = Number(fs.readFileSync(path.join(typeDir, 'available_instances'), 'utf8'));
    if (avail <= 0) throw errno('ENOSPC');
    if (fs.existsSync(this.sys('bus/mdev/devices', uuid))) throw errno('EEXIST');
    fs.writeFileSync(path.join(typeDir, 'available_instances'), `${avail - 1}\n`);
    const mdir = path.join(parentDir, uuid);
    fs.mkdirSync(mdir);
    fs.writeFileSync(path.join(mdir, 'remove'), '');
    this.rel(path.join(mdir, 'mdev_type'), typeDir);
    this.rel(path.join(typeDir, 'devices', uuid), mdir);
    this.rel(this.sys('bus/mdev/devices', uuid), mdir);
    for (const [name, value] of Object.entries(mdevAttrsOf(this.env)[path.basename(typeDir)] ?? {})) fs.writeFileSync(path.join(mdir, name), value);
    const g = this.newGroup(mdir, uuid, true);
    this.vfioNode(String(g));
  }

  private removeMdev(mdir: string): void {
    const uuid = path.basename(mdir);
    const typeDir = fs.realpathSync(path.join(mdir, 'mdev_type'));
    const g = path.basename(fs.readlinkSync(path.join(mdir, 'iommu_group')));
    const avail = Number(fs.readFileSync(path.join(typeDir, 'available_instances'), 'utf8'));
    fs.writeFileSync(path.join(typeDir, 'available_instances'), `${avail + 1}\n`);
    fs.rmSync(path.join(typeDir, 'devices', uuid));
    fs.rmSync(this.sys('bus/mdev/devices', uuid));
    fs.rmSync(this.sys('kernel/iommu_groups', g), { recursive: true });
    fs.rmSync(this.env.dev('vfio', g), { force: true });
    fs.rmSync(mdir, { recursive: true });
  }

  private pciDir = (bdf: string) => fs.realpathSync(this.sys('bus/pci/devices', bdf));

  private driverOf(bdf: string): string | null {
    try {
      return path.basename(fs.readlinkSync(path.join(this.pciDir(bdf), 'driver')));
    } catch {
      return null;
    }
  }

  private unbind(driver: string, bdf: string): void {
    if (this.driverOf(bdf) !== driver) throw errno('ENODEV');
    fs.rmSync(path.join(this.pciDir(bdf), 'driver'));
    fs.rmSync(this.sys('bus/pci/drivers', driver, bdf));
    // The group's /dev/vfio node goes with the last of its devices to leave VFIO.
    if (driver.startsWith('vfio')) {
      const gdir = fs.realpathSync(path.join(this.pciDir(bdf), 'iommu_group'));
      const members = fs.readdirSync(path.join(gdir, 'devices'));
      if (!members.some((m) => this.driverOf(m)?.startsWith('vfio'))) fs.rmSync(this.env.dev('vfio', path.basename(gdir)), { force: true });
    }
  }

  private bind(bdf: string, driver: string): void {
    const dir = this.pciDir(bdf);
    const override = fs.readFileSync(path.join(dir, 'driver_override'), 'utf8').trim();
    if (this.driverOf(bdf) !== null) throw errno('EBUSY');
    if (override !== '(null)' && override !== driver) throw errno('ENODEV');
    this.rel(path.join(dir, 'driver'), this.sys('bus/pci/drivers', driver));
    this.rel(this.sys('bus/pci/drivers', driver, bdf), dir);
    if (driver.startsWith('vfio')) {
      const g = path.basename(fs.readlinkSync(path.join(dir, 'iommu_group')));
      this.vfioNode(g);
    }
  }

  /** A group's node, root's, with the mode the fixture generator gives its nodes (a new node never keeps an old owner). */
  private vfioNode(g: string): void {
    const node = this.env.dev('vfio', g);
    if (!fs.existsSync(node)) fs.writeFileSync(node, '');
  }

  private probe(bdf: string): void {
    if (this.driverOf(bdf) !== null) return;
    const override = fs.readFileSync(path.join(this.pciDir(bdf), 'driver_override'), 'utf8').trim();
    const target = override !== '(null)' ? override : this.defaults.get(bdf);
    if (target && fs.existsSync(this.sys('bus/pci/drivers', target))) this.bind(bdf, target);
  }

  private setVfs(pfDir: string, n: number): void {
    const current = fs.readdirSync(pfDir).filter((e) => /^virtfn\d+$/.test(e));
    if (n !== 0 && current.length !== 0) throw errno('EBUSY');
    for (const v of current) {
      const vfDir = fs.realpathSync(path.join(pfDir, v));
      const bdf = path.basename(vfDir);
      const drv = this.driverOf(bdf);
      if (drv) fs.rmSync(this.sys('bus/pci/drivers', drv, bdf));
      const g = path.basename(fs.readlinkSync(path.join(vfDir, 'iommu_group')));
      fs.rmSync(this.sys('kernel/iommu_groups', g), { recursive: true });
      // A VF is alone in its group: its VFIO node goes with it.
      if (drv?.startsWith('vfio')) fs.rmSync(this.env.dev('vfio', g), { force: true });
      fs.rmSync(this.sys('bus/pci/devices', bdf));
      fs.rmSync(path.join(pfDir, v));
      fs.rmSync(vfDir, { recursive: true });
    }
    const pf = path.basename(pfDir);
    const autoprobe = fs.readFileSync(path.join(pfDir, 'sriov_drivers_autoprobe'), 'utf8').trim() !== '0';
    const pfDriver = this.driverOf(pf);
    for (let i = 0; i < n; i++) {
      const bdf = `${pf.slice(0, -1)}${Number(pf.slice(-1)) + 1 + i}`;
      const vfDir = path.join(path.dirname(pfDir), bdf);
      fs.mkdirSync(vfDir);
      for (const f of ['vendor', 'device', 'class']) fs.copyFileSync(path.join(pfDir, f), path.join(vfDir, f));
      fs.writeFileSync(path.join(vfDir, 'driver_override'), '(null)\n');
      fs.writeFileSync(path.join(vfDir, 'numa_node'), '-1\n');
      this.rel(path.join(vfDir, 'subsystem'), this.sys('bus/pci'));
      this.rel(path.join(vfDir, 'physfn'), pfDir);
      this.rel(path.join(pfDir, `virtfn${i}`), vfDir);
      this.rel(this.sys('bus/pci/devices', bdf), vfDir);
      this.newGroup(vfDir, bdf, false);
      if (autoprobe && pfDriver) this.bind(bdf, pfDriver);
    }
  }
}
