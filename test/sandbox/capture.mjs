// Runs INSIDE the sandbox guest (as root): copies the sysfs/dev/proc entries
// accelctl reads into a staging tree, symlinks kept exactly as the kernel has
// them (relative sysfs links stay relative, so the tree works under any root
// prefix), and prints the tree as a base64 gzip tar on stdout.
// Write-only attributes become empty placeholder files.
//   node test/sandbox/capture.mjs [--meta JSON] > capture.b64
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const metaIdx = args.indexOf('--meta');
const extraMeta = metaIdx >= 0 ? JSON.parse(args[metaIdx + 1] ?? '{}') : {};

const STAGE = fs.mkdtempSync('/tmp/sbx-capture-');
const ROOT = path.join(STAGE, 'root');
fs.mkdirSync(ROOT);

const PCI_ATTRS = [
  'vendor', 'device', 'class', 'revision', 'subsystem_vendor', 'subsystem_device', 'modalias',
  'numa_node', 'local_cpulist', 'local_cpus', 'driver_override', 'enable', 'irq',
  'sriov_totalvfs', 'sriov_numvfs', 'sriov_drivers_autoprobe', 'sriov_offset', 'sriov_stride', 'sriov_vf_device',
  'reset_method',
];
const PCI_LINKS = ['driver', 'iommu_group', 'physfn'];
const PCI_WRITE_ONLY = ['remove', 'reset', 'rescan'];
const DRIVER_WRITE_ONLY = ['bind', 'unbind', 'new_id', 'remove_id'];
const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const dst = (p) => path.join(ROOT, p);
const exists = (p) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};
const isLink = (p) => {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
const ls = (p) => {
  try {
    return fs.readdirSync(p).sort();
  } catch {
    return [];
  }
};
function dir(p) {
  fs.mkdirSync(dst(p), { recursive: true });
}
/** Copy a symlink verbatim (its target string, relative or absolute). */
function link(p) {
  if (!isLink(p) || exists(dst(p))) return;
  dir(path.dirname(p));
  fs.symlinkSync(fs.readlinkSync(p), dst(p));
}
/** Copy a readable attribute; absent ones are skipped, unreadable ones left empty. */
function attr(p) {
  if (!exists(p) || exists(dst(p))) return;
  dir(path.dirname(p));
  let body = '';
  try {
    body = fs.readFileSync(p);
  } catch {
    /* write-only or refused (EINVAL, EIO): placeholder */
  }
  fs.writeFileSync(dst(p), body);
}
/** An empty regular file where the kernel has a write-only attribute. */
function placeholder(p) {
  if (!exists(p) || exists(dst(p))) return;
  dir(path.dirname(p));
  fs.writeFileSync(dst(p), '');
}
/** Follow a sysfs link to the real directory (as a /sys/... path). */
function real(p) {
  return fs.realpathSync(p);
}

// --- mdev parents, types, live mdevs ---------------------------------------------
function captureMdevParent(parentDir) {
  dir(parentDir);
  const types = path.join(parentDir, 'mdev_supported_types');
  for (const t of ls(types)) {
    const td = path.join(types, t);
    for (const a of ['name', 'description', 'device_api', 'available_instances']) attr(path.join(td, a));
    placeholder(path.join(td, 'create'));
    dir(path.join(td, 'devices'));
    for (const d of ls(path.join(td, 'devices'))) link(path.join(td, 'devices', d));
  }
  for (const e of ls(parentDir)) {
    if (!UUID.test(e)) continue;
    const md = path.join(parentDir, e);
    for (const l of ['mdev_type', 'driver', 'iommu_group']) link(path.join(md, l));
    placeholder(path.join(md, 'remove'));
  }
}
const mdevParents = [];
dir('/sys/class/mdev_bus');
for (const p of ls('/sys/class/mdev_bus')) {
  const l = path.join('/sys/class/mdev_bus', p);
  link(l);
  mdevParents.push(p);
  captureMdevParent(real(l));
}
dir('/sys/bus/mdev/devices');
const mdevs = [];
for (const u of ls('/sys/bus/mdev/devices')) {
  link(path.join('/sys/bus/mdev/devices', u));
  mdevs.push(u);
}
for (const d of ls('/sys/bus/mdev/drivers')) {
  const dd = path.join('/sys/bus/mdev/drivers', d);
  dir(dd);
  for (const e of ls(dd)) if (UUID.test(e)) link(path.join(dd, e));
  for (const w of ['bind', 'unbind']) placeholder(path.join(dd, w));
}

// --- PCI ------------------------------------------------------------------------------
const pci = [];
dir('/sys/bus/pci/devices');
for (const b of ls('/sys/bus/pci/devices')) {
  const l = path.join('/sys/bus/pci/devices', b);
  link(l);
  const d = real(l);
  dir(d);
  for (const a of PCI_ATTRS) attr(path.join(d, a));
  for (const a of PCI_LINKS) link(path.join(d, a));
  for (const e of ls(d)) if (/^virtfn\d+$/.test(e)) link(path.join(d, e));
  for (const w of PCI_WRITE_ONLY) placeholder(path.join(d, w));
  for (const n of ls(path.join(d, 'net'))) dir(path.join(d, 'net', n));
  if (exists(path.join(d, 'mdev_supported_types'))) captureMdevParent(d);
  const rd = (a) => {
    try {
      return fs.readFileSync(path.join(d, a), 'utf8').trim();
    } catch {
      return null;
    }
  };
  pci.push({
    bdf: b,
    id: `${rd('vendor')?.slice(2)}:${rd('device')?.slice(2)}`,
    class: rd('class'),
    numa_node: Number(rd('numa_node')),
    driver: isLink(path.join(d, 'driver')) ? path.basename(fs.readlinkSync(path.join(d, 'driver'))) : null,
    iommu_group: isLink(path.join(d, 'iommu_group')) ? Number(path.basename(fs.readlinkSync(path.join(d, 'iommu_group')))) : null,
    net: ls(path.join(d, 'net')),
  });
}
for (const drv of ls('/sys/bus/pci/drivers')) {
  const dd = path.join('/sys/bus/pci/drivers', drv);
  dir(dd);
  for (const e of ls(dd)) if (BDF.test(e)) link(path.join(dd, e));
  for (const w of DRIVER_WRITE_ONLY) placeholder(path.join(dd, w));
}
for (const w of ['drivers_probe', 'rescan']) placeholder(path.join('/sys/bus/pci', w));
for (const a of ['drivers_autoprobe']) attr(path.join('/sys/bus/pci', a));

// --- IOMMU groups ---------------------------------------------------------------------------
const groups = [];
dir('/sys/kernel/iommu_groups');
for (const g of ls('/sys/kernel/iommu_groups')) {
  const gd = path.join('/sys/kernel/iommu_groups', g);
  for (const a of ['type', 'name', 'reserved_regions']) attr(path.join(gd, a));
  dir(path.join(gd, 'devices'));
  const devs = ls(path.join(gd, 'devices'));
  for (const d of devs) link(path.join(gd, 'devices', d));
  groups.push({ group: Number(g), devices: devs });
}
groups.sort((a, b) => a.group - b.group);
dir('/sys/class/iommu');
for (const i of ls('/sys/class/iommu')) {
  link(path.join('/sys/class/iommu', i));
  dir(real(path.join('/sys/class/iommu', i)));
}

// --- NUMA, CPUs, network names ----------------------------------------------------------------
for (const a of ['online', 'possible', 'has_cpu', 'has_memory', 'has_normal_memory']) attr(path.join('/sys/devices/system/node', a));
for (const n of ls('/sys/devices/system/node')) {
  if (!/^node\d+$/.test(n)) continue;
  for (const a of ['cpulist', 'cpumap', 'distance', 'meminfo']) attr(path.join('/sys/devices/system/node', n, a));
}
for (const a of ['online', 'possible', 'present']) attr(path.join('/sys/devices/system/cpu', a));
dir('/sys/class/net');
for (const n of ls('/sys/class/net')) {
  const l = path.join('/sys/class/net', n);
  link(l);
  const d = real(l);
  dir(d);
  link(path.join(d, 'device'));
  for (const a of ['address', 'operstate', 'ifindex']) attr(path.join(d, a));
}

// --- /dev/vfio and holders -------------------------------------------------------------------------
dir('/dev/vfio');
const devVfio = [];
for (const n of ls('/dev/vfio')) {
  const st = fs.statSync(path.join('/dev/vfio', n));
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  devVfio.push(`${n} c ${major}:${minor} ${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.uid}:${st.gid}`);
  fs.writeFileSync(dst(path.join('/dev/vfio', n)), '');
}
fs.writeFileSync(path.join(ROOT, 'dev-vfio.txt'), devVfio.join('\n') + '\n');

const holders = [];
for (const pid of ls('/proc')) {
  if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
  const fdDir = path.join('/proc', pid, 'fd');
  const vfioFds = [];
  for (const fd of ls(fdDir)) {
    try {
      const t = fs.readlinkSync(path.join(fdDir, fd));
      if (t.startsWith('/dev/vfio/')) vfioFds.push([fd, t]);
    } catch {
      /* raced */
    }
  }
  if (vfioFds.length === 0) continue;
  const pd = path.join('/proc', pid);
  attr(path.join(pd, 'comm'));
  attr(path.join(pd, 'cmdline'));
  attr(path.join(pd, 'status'));
  dir(path.join(pd, 'fd'));
  for (const [fd, t] of vfioFds) fs.symlinkSync(t, dst(path.join(pd, 'fd', fd)));
  holders.push({ pid: Number(pid), comm: fs.readFileSync(path.join(pd, 'comm'), 'utf8').trim(), fds: Object.fromEntries(vfioFds) });
}
// The kernel command line without the sandbox's own words (sbx_*): they carry
// the checkout's path on the capturing machine, which the tree must not.
const kernelCmdline = fs
  .readFileSync('/proc/cmdline', 'utf8')
  .trim()
  .split(/\s+/)
  .filter((w) => !w.startsWith('sbx_'))
  .join(' ');
dir('/proc');
fs.writeFileSync(dst('/proc/cmdline'), kernelCmdline + '\n');

// --- manifest -------------------------------------------------------------------------------------
const manifest = {
  schema: 1,
  capturedAt: new Date().toISOString(),
  kernel: fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  cmdline: kernelCmdline,
  mdevParents,
  mdevs,
  pci,
  iommuGroups: groups,
  devVfio,
  holders,
  ...extraMeta,
};
fs.writeFileSync(path.join(ROOT, 'CAPTURE.json'), JSON.stringify(manifest, null, 2) + '\n');

const tar = spawnSync('tar', ['-C', ROOT, '--numeric-owner', '--owner=0', '--group=0', '-czf', '-', '.'], {
  maxBuffer: 256 << 20,
});
if (tar.status !== 0) {
  process.stderr.write(tar.stderr);
  process.exit(1);
}
process.stdout.write(tar.stdout.toString('base64') + '\n');
fs.rmSync(STAGE, { recursive: true, force: true });
