// Types of generate.mjs (plain JS so the bench runs it without a TS loader).

export interface NodeSpec {
  cpus: string;
  distances: number[];
}

export interface PciSpec {
  address: string;
  vendor: string;
  device: string;
  class: string;
  driver?: string | null;
  driverOverride?: string | null;
  /** -1 (the default) when the platform gives none. */
  numaNode?: number;
  localCpulist?: string;
  group?: number | null;
  /** Address of the bridge this function sits behind (must come earlier). */
  upstream?: string;
  sriovTotalvfs?: number;
  sriovNumvfs?: number;
  /** The PF's address, for a VF (the PF must come earlier). */
  physfn?: string;
  net?: string[];
}

export interface TypeSpec {
  id: string;
  /** null: no name file. */
  name?: string | null;
  description?: string | null;
  deviceApi?: string;
  availableInstances: number | string;
}

export interface MdevSpec {
  uuid: string;
  type: string;
  group: number;
  /** null: unbound. Defaults to the parent's driver. */
  driver?: string | null;
}

export interface ParentSpec {
  /** A PCI address (the function must be in `pci`) or a virtual device name. */
  name: string;
  /** The mdev driver its mdevs bind to; defaults to the name. */
  driver?: string;
  types: TypeSpec[];
  mdevs?: MdevSpec[];
}

export interface HolderSpec {
  pid: number;
  comm: string;
  groups: number[];
}

export interface HostSpec {
  nodes?: NodeSpec[];
  pci?: PciSpec[];
  parents?: ParentSpec[];
  holders?: HolderSpec[];
  groupType?: string;
}

export function buildHost(root: string, spec: HostSpec): string;
export function uuidOf(a: number, b: number): string;
export function twoNode(): HostSpec;
export function large(o?: { parents?: number; mdevs?: number }): HostSpec;
export const PROFILES: { 'two-node': typeof twoNode; large: typeof large };
