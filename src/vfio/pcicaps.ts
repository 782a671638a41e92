/**
 * The PCI capability lists of a device, read through its CONFIG region: the
 * standard list from the pointer at 0x34, and the extended list from 0x100
 * when the config space is larger than 256 bytes. Names per the PCI spec.
 */
import type { Device } from './device.js';
import { PCI_REGION } from './structs.js';

export interface PciCap {
  offset: number;
  id: number;
  name: string;
  /** The capability's own version field, where the spec gives it one. */
  version: number | null;
  extended: boolean;
}

const STANDARD: Record<number, string> = {
  0x01: 'Power Management', 0x02: 'AGP', 0x03: 'VPD', 0x04: 'Slot ID', 0x05: 'MSI', 0x06: 'CompactPCI Hot Swap',
  0x07: 'PCI-X', 0x08: 'HyperTransport', 0x09: 'Vendor Specific', 0x0a: 'Debug Port', 0x0b: 'CompactPCI CRC',
  0x0c: 'PCI Hot-Plug', 0x0d: 'Bridge Subsystem Vendor ID', 0x0e: 'AGP 8x', 0x0f: 'Secure Device', 0x10: 'PCI Express',
  0x11: 'MSI-X', 0x12: 'SATA', 0x13: 'Advanced Features', 0x14: 'Enhanced Allocation', 0x15: 'Flattening Portal Bridge',
};

const EXTENDED: Record<number, string> = {
  0x01: 'AER', 0x02: 'Virtual Channel', 0x03: 'Device Serial Number', 0x04: 'Power Budgeting',
  0x05: 'Root Complex Link Declaration', 0x06: 'Root Complex Internal Link Control', 0x07: 'Root Complex Event Collector',
  0x08: 'MFVC', 0x09: 'Virtual Channel (MFVC)', 0x0a: 'RCRB Header', 0x0b: 'Vendor-Specific (VSEC)', 0x0c: 'CAC', 0x0d: 'ACS',
  0x0e: 'ARI', 0x0f: 'ATS', 0x10: 'SR-IOV', 0x11: 'MR-IOV', 0x12: 'Multicast', 0x13: 'PRI', 0x15: 'Resizable BAR',
  0x16: 'DPA', 0x17: 'TPH', 0x18: 'LTR', 0x19: 'Secondary PCI Express', 0x1a: 'PMUX', 0x1b: 'PASID', 0x1c: 'LNR',
  0x1d: 'DPC', 0x1e: 'L1 PM Substates', 0x1f: 'PTM', 0x20: 'M-PCIe', 0x21: 'FRS Queueing', 0x22: 'Readiness Time Reporting',
  0x23: 'DVSEC', 0x24: 'VF Resizable BAR', 0x25: 'Data Link Feature', 0x26: 'Physical Layer 16.0 GT/s',
  0x27: 'Lane Margining at the Receiver', 0x28: 'Hierarchy ID', 0x29: 'NPEM', 0x2a: 'Physical Layer 32.0 GT/s',
  0x2b: 'Alternate Protocol', 0x2c: 'SFI',
};

const CAP_LIST_STATUS = 0x10;
const CAP_POINTER = 0x34;
const EXT_START = 0x100;

export function pciCaps(device: Device): PciCap[] {
  const cfg = device.regionInfo(PCI_REGION.CONFIG);
  const u8 = (off: number) => device.readU8(PCI_REGION.CONFIG, off);
  const u16 = (off: number) => device.readU16(PCI_REGION.CONFIG, off);
  const out: PciCap[] = [];
  if (cfg.size >= 0x40 && (u16(0x06) & CAP_LIST_STATUS) !== 0) {
    const seen = new Set<number>();
    let off = u8(CAP_POINTER) & 0xfc;
    while (off >= 0x40 && off + 2 <= cfg.size && !seen.has(off)) {
      seen.add(off);
      const id = u8(off);
      let version: number | null = null;
      if (id === 0x01 && off + 4 <= cfg.size) version = u16(off + 2) & 0x7;
      if (id === 0x10 && off + 4 <= cfg.size) version = u16(off + 2) & 0xf;
      out.push({ offset: off, id, name: STANDARD[id] ?? `unknown 0x${id.toString(16)}`, version, extended: false });
      off = u8(off + 1) & 0xfc;
    }
  }
  if (cfg.size > EXT_START) {
    const seen = new Set<number>();
    let off = EXT_START;
    while (off >= EXT_START && off + 4 <= cfg.size && !seen.has(off)) {
      seen.add(off);
      const header = device.readU32(PCI_REGION.CONFIG, off);
      if (header === 0 || header === 0xffffffff) break;
      const id = header & 0xffff;
      out.push({ offset: off, id, name: EXTENDED[id] ?? `unknown 0x${id.toString(16)}`, version: (header >>> 16) & 0xf, extended: true });
      off = (header >>> 20) & 0xffc;
    }
  }
  return out;
}
