/** A fixture for the in-use checks: the generated host's VF disk, mounted as mountinfo says. */
import fs from 'node:fs';
import path from 'node:path';

/** The VF of the generated host (0000:01:00.1) whose NVMe disk nvme1n1 (259:8) the fixture mounts. */
export const MOUNTED_VF = '0000:01:00.1';

/**
 * Gives the VF under `root` a disk nvme1n1 (259:8, found through /sys/class/block
 * and /sys/dev/block as the kernel links them) and writes `mountinfo`, the line
 * that mounts it (by device number, as the kernel says it), to /proc/self/mountinfo.
 */
export function mountVfDisk(root: string, mountinfo: string): void {
  const vf = fs.realpathSync(`${root}/sys/bus/pci/devices/${MOUNTED_VF}`);
  const disk = `${vf}/nvme/nvme1/nvme1n1`;
  fs.mkdirSync(`${disk}/holders`, { recursive: true });
  fs.writeFileSync(`${disk}/dev`, '259:8\n');
  for (const [d, name] of [['sys/class/block', 'nvme1n1'], ['sys/dev/block', '259:8']] as const) {
    fs.mkdirSync(`${root}/${d}`, { recursive: true });
    fs.symlinkSync(path.relative(`${root}/${d}`, disk), `${root}/${d}/${name}`);
  }
  fs.mkdirSync(`${root}/proc/self`, { recursive: true });
  fs.writeFileSync(`${root}/proc/self/mountinfo`, mountinfo);
}
