import { z } from 'zod';
import { pciAddress, schemaVersion } from './common.js';
import { DryRunOutput } from './dryrun.js';
import { PersistDryRun } from './define.js';

export const ReleasedDevice = z.object({
  address: pciAddress,
  driver: z.string().nullable().describe('the driver after the command (null: none)'),
  previousDriver: z.string().nullable().describe('the VFIO driver it was taken from; null when it was not on one'),
  changed: z.boolean().describe('false when it was not on a VFIO driver and had no persisted binding (an idempotent unbind)'),
  forgot: z.boolean().describe('its persisted binding (bind --persist) was deleted'),
});

export const UnbindOutput = z.union([z.object({ schemaVersion, devices: z.array(ReleasedDevice) }), PersistDryRun, DryRunOutput]);
