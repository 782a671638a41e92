import { z } from 'zod';
import { nullableInt, pciAddress, schemaVersion } from './common.js';
import { DryRunOutput } from './dryrun.js';
import { PersistDryRun } from './define.js';

export const BoundDevice = z.object({
  address: pciAddress,
  driver: z.string().nullable().describe('the driver after the command'),
  previousDriver: z.string().nullable().describe('the driver before (null: none): what unbind restores'),
  iommuGroup: nullableInt,
  vfioDevice: z.string().nullable().describe('/dev/vfio/<group>'),
  owner: z
    .object({ uid: z.number().int(), gid: z.number().int(), mode: z.literal('0660').describe('permission bits given with the owner, octal') })
    .nullable()
    .describe('owner given to the /dev/vfio node'),
  changed: z.boolean().describe('false when it was already as asked (an idempotent bind)'),
  persisted: z.boolean().describe('a persisted binding (/etc/accelctl/bindings/<address>, bind --persist) brings it back when the function is added again'),
});

/** A dry run of bind --persist lists the binding file too (PersistDryRun). */
export const BindOutput = z.union([z.object({ schemaVersion, devices: z.array(BoundDevice) }), PersistDryRun, DryRunOutput]);
