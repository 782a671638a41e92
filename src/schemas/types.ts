import { z } from 'zod';
import { nullableInt, schemaVersion, uuid } from './common.js';

export const MdevTypeSchema = z.object({
  id: z.string().describe('type id, the directory name under mdev_supported_types'),
  name: z.string().nullable(),
  description: z.string().nullable(),
  deviceApi: z.string().nullable(),
  availableInstances: z.number().int().nonnegative().nullable().describe('null when available_instances holds garbage (a warning names the file)'),
  devices: z.array(uuid).describe('live mdevs of this type'),
});

export const MdevParentSchema = z.object({
  name: z.string().describe('the /sys/class/mdev_bus entry: a PCI address or a virtual device name'),
  path: z.string().describe('kernel path of the parent device directory'),
  numaNode: nullableInt,
  types: z.array(MdevTypeSchema),
});

export const TypesOutput = z.object({
  schemaVersion,
  parents: z.array(MdevParentSchema),
});
