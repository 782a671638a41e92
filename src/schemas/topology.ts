import { z } from 'zod';
import { holder, nullableInt, pciAddress, schemaVersion, uuid } from './common.js';

export const TopologyDeviceSchema = z.object({
  name: z.string().describe('PCI address, or the name of a virtual mdev parent'),
  bus: z.enum(['pci', 'virtual']),
  address: pciAddress.nullable(),
  vendor: z.string().nullable().describe('0x1234'),
  device: z.string().nullable(),
  class: z.string().nullable().describe('0x00ff00'),
  kind: z.string().describe('why it is listed: unclassified, display, co-processor, encryption, accelerator (by class), vfio (bound), mdev-parent, sriov (a PF), other (--all)'),
  driver: z.string().nullable(),
  iommuGroup: nullableInt,
  numaNode: nullableInt,
  localCpulist: z.string().nullable(),
  physfn: pciAddress.nullable(),
  sriovTotalvfs: nullableInt,
  sriovNumvfs: nullableInt,
  vfs: z.array(pciAddress),
  mdevParent: z.boolean(),
  partitions: z.array(z.object({ uuid, type: z.string() })),
});

export const CandidateSchema = TopologyDeviceSchema.extend({
  distance: nullableInt.describe('NUMA distance from the requested node; null when the device has no node'),
  free: z.boolean().describe('can be used now: an mdev parent with instances available, a VFIO-bound function no process holds, a driverless function'),
  holders: z.array(holder).describe('processes holding its /dev/vfio group open (VFIO-bound functions)'),
  availableInstances: nullableInt.describe('mdev parents: the most instances any one of its types can still create; else null'),
  availability: z.string().describe('why it is free or busy, for people'),
});

export const TopologyNodeSchema = z.object({
  id: z.number().int().nonnegative(),
  cpus: z.string().describe('cpulist as the kernel writes it'),
  distances: z.array(z.number().int()),
  devices: z.array(TopologyDeviceSchema),
});

export const TopologyOutput = z.object({
  schemaVersion,
  nodes: z.array(TopologyNodeSchema),
  unattached: z.array(TopologyDeviceSchema).describe('devices without a NUMA node (numa_node -1, virtual parents)'),
  nearNode: nullableInt.describe('the node --near-node/--near-cpu named, else null'),
  candidates: z
    .array(CandidateSchema)
    .nullable()
    .describe('with --near-*: the devices that can serve as accelerators (mdev parents, VFIO-bound functions, VFs, driverless functions of an accelerator class), by distance, free before busy, then name'),
});
