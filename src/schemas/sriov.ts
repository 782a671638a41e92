import { z } from 'zod';
import { nullableInt, pciAddress, schemaVersion } from './common.js';
import { DryRunOutput } from './dryrun.js';

export const VirtualFunction = z.object({
  address: pciAddress,
  driver: z.string().nullable(),
  iommuGroup: nullableInt,
  vfioDevice: z.string().nullable().describe('/dev/vfio/<group>'),
});

export const SriovOutput = z.union([
  z.object({
    schemaVersion,
    device: pciAddress.describe('the physical function'),
    totalvfs: z.number().int(),
    numvfs: z.number().int(),
    changed: z.boolean().describe('false when the PF already had this many VFs'),
    vfs: z.array(VirtualFunction),
  }),
  DryRunOutput,
]);
