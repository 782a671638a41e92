#!/usr/bin/env node
// Builds fake host trees shaped like a 6.1 kernel's sysfs (layout checked
// against the QEMU guest: see docs/kernel.md and test/fixtures/machines/qemu-6.1):
// real directories, files and relative symlinks under a root dir, so accelctl
// runs on them with --root. Plain JS so the bench can run it without a TS loader:
//   node test/gen/generate.mjs [--profile two-node|large] [--parents N] [--mdevs N] OUTDIR
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ cpus: string, distances: number[] }} NodeSpec
 * @typedef {{ address: string, vendor: string, device: string, class: string,
 *   driver?: string|null, driverOverride?: string|null, numaNode?: number, localCpulist?: string,
 *   group?: number|null, upstream?: string, sriovTotalvfs?: number, sriovNumvfs?: number,
 *   physfn?: string, net?: string[] }} PciSpec
 * @typedef {{ id: string, name?: string|null, description?: string|null, deviceApi?: string, availableInstances: number|string }} TypeSpec
 * @typedef {{ uuid: string, type: string, group: number, driver?: string|null }} MdevSpec
 * @typedef {{ name: string, driver?: string, types: TypeSpec[], mdevs?: MdevSpec[] }} ParentSpec
 * @typedef {{ pid: number, comm: string, groups: number[] }} HolderSpec
 * @typedef {{ nodes?: NodeSpec[], pci?: PciSpec[], parents?: ParentSpec[], holders?: HolderSpec[],
 *   groupType?: string }} HostSpec
 */

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

/** @param {string} p @param {string} content */
function file(p, content) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

/** A relative link at `at` pointing to `target` (both host paths), as sysfs writes them. */
function link(at, target) {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(at), target), at);
}

/**
 * Writes the tree of `spec` under `root` (created if needed).
 * @param {string} root
 * @param {HostSpec} spec
 */
export function buildHost(root, spec) {
  const sys = (/** @type {string[]} */ ...p) => path.join(root, 'sys', ...p);
  fs.mkdirSync(sys('bus/pci/devices'), { recursive: true });
  fs.mkdirSync(sys('bus/mdev/devices'), { recursive: true });
  fs.mkdirSync(sys('class/mdev_bus'), { recursive: true });
  fs.mkdirSync(sys('kernel/iommu_groups'), { recursive: true });
  fs.mkdirSync(path.join(root, 'dev/vfio'), { recursive: true });
  fs.mkdirSync(path.join(root, 'proc'), { recursive: true });
  file(path.join(root, 'dev/vfio/vfio'), '');
  // mdevctl refuses to run without these (docs/kernel.md §5); the bench runs it on this tree.
  fs.mkdirSync(path.join(root, 'etc/mdevctl.d/scripts.d/callouts'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/mdevctl.d/scripts.d/notifiers'), { recursive: true });

  (spec.nodes ?? []).forEach((n, i) => {
    file(sys(`devices/system/node/node${i}/cpulist`), n.cpus + '\n');
    file(sys(`devices/system/node/node${i}/distance`), n.distances.join(' ') + '\n');
  });

  /** group -> {type, name} */
  const groups = new Map();
  const vfioGroups = new Set();
  /** @param {number} g @param {string} devDir @param {string} name @param {boolean} mdev */
  const joinGroup = (g, devDir, name, mdev) => {
    if (!groups.has(g)) {
      const gdir = sys('kernel/iommu_groups', String(g));
      fs.mkdirSync(path.join(gdir, 'devices'), { recursive: true });
      file(path.join(gdir, 'type'), (mdev ? 'unknown' : spec.groupType ?? 'DMA') + '\n');
      if (mdev) file(path.join(gdir, 'name'), 'vfio-noiommu\n');
      file(path.join(gdir, 'reserved_regions'), '');
      groups.set(g, true);
    }
    link(sys('kernel/iommu_groups', String(g), 'devices', name), devDir);
    link(path.join(devDir, 'iommu_group'), sys('kernel/iommu_groups', String(g)));
  };

  /** address -> host dir */
  const pciDirs = new Map();
  for (const f of spec.pci ?? []) {
    if (!BDF.test(f.address)) throw new Error(`bad address ${f.address}`);
    const up = f.upstream ? pciDirs.get(f.upstream) : undefined;
    if (f.upstream && !up) throw new Error(`upstream ${f.upstream} of ${f.address} must come first`);
    const dir = up ? path.join(up, f.address) : sys('devices', `pci${f.address.slice(0, 7)}`, f.address);
    pciDirs.set(f.address, dir);
    file(path.join(dir, 'vendor'), f.vendor + '\n');
    file(path.join(dir, 'device'), f.device + '\n');
    file(path.join(dir, 'class'), f.class + '\n');
    file(path.join(dir, 'numa_node'), `${f.numaNode ?? -1}\n`);
    file(path.join(dir, 'local_cpulist'), (f.localCpulist ?? '0-1') + '\n');
    file(path.join(dir, 'driver_override'), (f.driverOverride ?? '(null)') + '\n');
    file(path.join(dir, 'config'), '');
    link(path.join(dir, 'subsystem'), sys('bus/pci'));
    if (f.driver) {
      fs.mkdirSync(sys('bus/pci/drivers', f.driver), { recursive: true });
      link(path.join(dir, 'driver'), sys('bus/pci/drivers', f.driver));
      link(sys('bus/pci/drivers', f.driver, f.address), dir);
    }
    if (f.sriovTotalvfs !== undefined) {
      file(path.join(dir, 'sriov_totalvfs'), `${f.sriovTotalvfs}\n`);
      file(path.join(dir, 'sriov_numvfs'), `${f.sriovNumvfs ?? 0}\n`);
      file(path.join(dir, 'sriov_drivers_autoprobe'), '1\n');
    }
    if (f.physfn) {
      const pf = pciDirs.get(f.physfn);
      if (!pf) throw new Error(`physfn ${f.physfn} of ${f.address} must come first`);
      link(path.join(dir, 'physfn'), pf);
      const n = fs.readdirSync(pf).filter((e) => e.startsWith('virtfn')).length;
      link(path.join(pf, `virtfn${n}`), dir);
    }
    for (const net of f.net ?? []) fs.mkdirSync(path.join(dir, 'net', net), { recursive: true });
    link(sys('bus/pci/devices', f.address), dir);
    if (f.group !== undefined && f.group !== null) {
      joinGroup(f.group, dir, f.address, false);
      if (f.driver?.startsWith('vfio')) vfioGroups.add(f.group);
    }
  }

  for (const p of spec.parents ?? []) {
    const isPci = BDF.test(p.name);
    const dir = isPci ? pciDirs.get(p.name) : sys('devices/virtual', p.name, p.name);
    if (!dir) throw new Error(`PCI parent ${p.name} is not in spec.pci`);
    if (!isPci) link(path.join(dir, 'subsystem'), sys('class', p.name));
    file(path.join(dir, 'uevent'), '');
    link(sys('class/mdev_bus', p.name), dir);
    const driver = p.driver ?? p.name;
    fs.mkdirSync(sys('bus/mdev/drivers', driver), { recursive: true });
    for (const t of p.types) {
      const tdir = path.join(dir, 'mdev_supported_types', t.id);
      fs.mkdirSync(path.join(tdir, 'devices'), { recursive: true });
      if (t.name !== null) file(path.join(tdir, 'name'), (t.name ?? t.id) + '\n');
      if (t.description) file(path.join(tdir, 'description'), t.description + '\n');
      file(path.join(tdir, 'device_api'), (t.deviceApi ?? 'vfio-pci') + '\n');
      file(path.join(tdir, 'available_instances'), `${t.availableInstances}\n`);
      file(path.join(tdir, 'create'), '');
    }
    for (const m of p.mdevs ?? []) {
      const mdir = path.join(dir, m.uuid);
      fs.mkdirSync(mdir, { recursive: true });
      file(path.join(mdir, 'remove'), '');
      file(path.join(mdir, 'uevent'), '');
      link(path.join(mdir, 'mdev_type'), path.join(dir, 'mdev_supported_types', m.type));
      link(path.join(dir, 'mdev_supported_types', m.type, 'devices', m.uuid), mdir);
      link(path.join(mdir, 'subsystem'), sys('bus/mdev'));
      const mdrv = m.driver === undefined ? driver : m.driver;
      if (mdrv) {
        link(path.join(mdir, 'driver'), sys('bus/mdev/drivers', mdrv));
        link(sys('bus/mdev/drivers', mdrv, m.uuid), mdir);
      }
      link(sys('bus/mdev/devices', m.uuid), mdir);
      joinGroup(m.group, mdir, m.uuid, true);
      vfioGroups.add(m.group);
    }
  }

  // Regular files stand in for the character devices.
  for (const g of vfioGroups) file(path.join(root, 'dev/vfio', String(g)), '');

  for (const h of spec.holders ?? []) {
    const pdir = path.join(root, 'proc', String(h.pid));
    file(path.join(pdir, 'comm'), h.comm + '\n');
    fs.mkdirSync(path.join(pdir, 'fd'), { recursive: true });
    // Absolute targets, as the kernel shows them: dangling under a fixture root, which is fine for readlink.
    fs.symlinkSync('/dev/null', path.join(pdir, 'fd', '0'));
    h.groups.forEach((g, i) => fs.symlinkSync(`/dev/vfio/${g}`, path.join(pdir, 'fd', String(20 + i))));
  }
  return root;
}

/** A UUID whose last part counts: stable and readable in golden files. */
export function uuidOf(/** @type {number} */ a, /** @type {number} */ b) {
  return `${a.toString(16).padStart(8, '0')}-0000-4000-8000-${b.toString(16).padStart(12, '0')}`;
}

/**
 * The hand-checked profile, modeled on the QEMU guest: two nodes, an edu on
 * each (one bound to vfio-pci), the ICH9 trio sharing a group, an NVMe PF with
 * one VF, an e1000e with eth0, the mtty parent with one live mdev held open.
 * @returns {HostSpec}
 */
export function twoNode() {
  const MDEV = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
  const MDEV2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
  return {
    nodes: [
      { cpus: '0', distances: [10, 20] },
      { cpus: '1', distances: [20, 10] },
    ],
    pci: [
      { address: '0000:00:00.0', vendor: '0x8086', device: '0x29c0', class: '0x060000', group: 0 },
      { address: '0000:00:03.0', vendor: '0x8086', device: '0x10d3', class: '0x020000', driver: 'e1000e', group: 3, net: ['eth0'] },
      { address: '0000:00:04.0', vendor: '0x1b36', device: '0x000c', class: '0x060400', driver: 'pcieport', group: 4 },
      { address: '0000:00:1f.0', vendor: '0x8086', device: '0x2918', class: '0x060100', driver: 'lpc_ich', group: 7 },
      { address: '0000:00:1f.2', vendor: '0x8086', device: '0x2922', class: '0x010601', driver: 'ahci', group: 7 },
      { address: '0000:00:1f.3', vendor: '0x8086', device: '0x2930', class: '0x0c0500', driver: 'i801_smbus', group: 7 },
      { address: '0000:01:00.0', vendor: '0x1b36', device: '0x0010', class: '0x010802', driver: 'nvme', group: 8, upstream: '0000:00:04.0', sriovTotalvfs: 2, sriovNumvfs: 1 },
      { address: '0000:01:00.1', vendor: '0x1b36', device: '0x0010', class: '0x010802', driver: 'nvme', group: 15, upstream: '0000:00:04.0', physfn: '0000:01:00.0' },
      { address: '0000:40:00.0', vendor: '0x1b36', device: '0x000c', class: '0x060400', driver: 'pcieport', group: 11, numaNode: 0, localCpulist: '0' },
      { address: '0000:41:00.0', vendor: '0x1234', device: '0x11e8', class: '0x00ff00', driver: 'vfio-pci', driverOverride: 'vfio-pci', group: 12, numaNode: 0, localCpulist: '0', upstream: '0000:40:00.0' },
      { address: '0000:80:00.0', vendor: '0x1b36', device: '0x000c', class: '0x060400', driver: 'pcieport', group: 9, numaNode: 1, localCpulist: '1' },
      { address: '0000:81:00.0', vendor: '0x1234', device: '0x11e8', class: '0x00ff00', group: 10, numaNode: 1, localCpulist: '1', upstream: '0000:80:00.0' },
    ],
    parents: [
      {
        name: 'mtty',
        types: [
          { id: 'mtty-1', name: 'Single port serial', availableInstances: 21 },
          { id: 'mtty-2', name: 'Dual port serial', availableInstances: 10 },
        ],
        mdevs: [
          { uuid: MDEV, type: 'mtty-1', group: 13 },
          { uuid: MDEV2, type: 'mtty-2', group: 14 },
        ],
      },
    ],
    holders: [{ pid: 4242, comm: 'qemu-system-x86', groups: [13] }],
  };
}

/**
 * Many PCI mdev parents (like a rack of vGPU cards), `mdevs` spread evenly,
 * each mdev in its own group; parents alternate between two nodes.
 * @param {{ parents?: number, mdevs?: number }} o
 * @returns {HostSpec}
 */
export function large({ parents = 64, mdevs = 4096 } = {}) {
  /** @type {PciSpec[]} */
  const pci = [];
  /** @type {ParentSpec[]} */
  const ps = [];
  let group = 0;
  let made = 0;
  for (let i = 0; i < parents; i++) {
    const address = `0000:${(0x10 + i).toString(16).padStart(2, '0')}:00.0`;
    const node = i % 2;
    pci.push({ address, vendor: '0x10de', device: '0x1eb8', class: '0x030200', driver: 'nvidia', group: group++, numaNode: node, localCpulist: node ? '8-15' : '0-7' });
    const share = Math.floor(mdevs / parents) + (i < mdevs % parents ? 1 : 0);
    /** @type {MdevSpec[]} */
    const ms = [];
    for (let j = 0; j < share; j++) ms.push({ uuid: uuidOf(i, j), type: `nvidia-${222 + (j % 4)}`, group: 0 });
    made += share;
    ps.push({
      name: address,
      driver: 'nvidia-vgpu-vfio',
      types: [0, 1, 2, 3].map((k) => ({ id: `nvidia-${222 + k}`, name: `GRID T4-${1 << k}Q`, description: `num_heads=4, frl_config=60, framebuffer=${1024 << k}M`, availableInstances: 0 })),
      mdevs: ms,
    });
  }
  for (const p of ps) for (const m of p.mdevs ?? []) m.group = group++;
  return {
    nodes: [
      { cpus: '0-7', distances: [10, 21] },
      { cpus: '8-15', distances: [21, 10] },
    ],
    pci,
    parents: ps,
    holders: made > 0 ? [{ pid: 3000, comm: 'qemu-system-x86', groups: [parents, parents + 1] }] : [],
  };
}

export const PROFILES = { 'two-node': twoNode, large };

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  let profile = 'large';
  /** @type {{parents?: number, mdevs?: number}} */
  const o = {};
  let out;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--profile') profile = args[++i] ?? '';
    else if (a === '--parents') o.parents = Number(args[++i]);
    else if (a === '--mdevs') o.mdevs = Number(args[++i]);
    else if (a?.startsWith('-')) throw new Error(`unknown option ${a}`);
    else out = a;
  }
  if (!out) {
    process.stderr.write('usage: generate.mjs [--profile two-node|large] [--parents N] [--mdevs N] OUTDIR\n');
    process.exit(2);
  }
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    process.stderr.write(`generate.mjs: ${out} is not empty\n`);
    process.exit(2);
  }
  const spec = profile === 'two-node' ? twoNode() : profile === 'large' ? large(o) : null;
  if (!spec) {
    process.stderr.write(`generate.mjs: unknown profile ${profile}\n`);
    process.exit(2);
  }
  buildHost(out, spec);
  process.stdout.write(`${out}\n`);
}
