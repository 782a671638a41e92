import { z } from 'zod';
import { holder, holdersComplete, schemaVersion } from './common.js';

export const GroupMemberSchema = z.object({
  name: z.string(),
  bus: z.string().describe('pci, mdev, ...'),
  driver: z.string().nullable(),
  class: z.string().nullable(),
  vfioBound: z.boolean(),
  persisted: z
    .object({ driver: z.string(), owner: z.string().nullable() })
    .nullable()
    .describe('the persisted binding of a PCI function (bind --persist): the driver and owner udev gives it back when it is added; null: none'),
});

export const GroupSchema = z.object({
  id: z.number().int().nonnegative(),
  type: z.string().nullable().describe('default domain: DMA, DMA-FQ, identity; unknown for mdev groups'),
  name: z.string().nullable().describe('vfio-noiommu for mdev groups: isolation by the parent driver, not a hardware IOMMU'),
  viable: z.boolean(),
  blockers: z.array(z.string()).describe('members that keep the group from VFIO: "<device> (<driver>)"'),
  vfioDevice: z.string(),
  vfioNodeExists: z.boolean(),
  devices: z.array(GroupMemberSchema),
  holders: z.array(holder),
});

export const GroupsOutput = z.object({
  schemaVersion,
  groups: z.array(GroupSchema),
  holdersComplete,
});
