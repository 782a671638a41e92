/** The `inspect --json` document. Types only at run time: commands never import zod. */
import { z } from 'zod';

const hexString = z.string().regex(/^0x[0-9a-f]+$/);

export const regionCapSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.number().int(),
  areas: z.array(z.object({ offset: z.number(), size: z.number() })).nullable(),
  type: z.number().int().nullable(),
  subtype: z.number().int().nullable(),
});

export const inspectDeviceSchema = z.object({
  device: z.string(),
  kind: z.enum(['mdev', 'pci']),
  iommuGroup: z.number().int(),
  vfioDevice: z.string(),
  flags: z.array(z.string()),
  numRegions: z.number().int(),
  numIrqs: z.number().int(),
  regions: z.array(
    z.object({
      index: z.number().int(),
      name: z.string().nullable(),
      size: z.number().nullable(),
      offset: hexString.nullable(),
      flags: z.array(z.string()),
      caps: z.array(regionCapSchema),
      error: z.string().nullable(),
    }),
  ),
  irqs: z.array(
    z.object({
      index: z.number().int(),
      name: z.string().nullable(),
      count: z.number().int().nullable(),
      flags: z.array(z.string()),
      error: z.string().nullable(),
    }),
  ),
  pciCapabilities: z
    .array(z.object({ offset: z.number().int(), id: z.number().int(), name: z.string(), version: z.number().int().nullable(), extended: z.boolean() }))
    .nullable(),
  iommu: z.object({
    type: z.string(),
    extensions: z.array(z.string()),
    flags: z.array(z.string()),
    pageSizes: z.array(z.number()),
    iovaRanges: z.array(z.object({ start: hexString, end: hexString })).nullable(),
    dmaAvailable: z.number().int().nullable(),
    caps: z.array(z.object({ id: z.number().int(), name: z.string(), version: z.number().int() })),
  }),
});

export const inspectSchema = z.object({
  schemaVersion: z.literal(1),
  devices: z.array(inspectDeviceSchema),
});

export type InspectDocument = z.infer<typeof inspectSchema>;
export type InspectDevice = z.infer<typeof inspectDeviceSchema>;

/** Registry name (src/schemas/index.ts). */
export const InspectOutput = inspectSchema;
