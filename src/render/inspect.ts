/** Text rendering of `inspect`: one block per device, tables for regions, irqs and PCI capabilities. */
import type { InspectDevice } from '../schemas/inspect.js';
import type { Style } from './style.js';
import { renderTable } from './table.js';

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u]}`;
}

function capText(c: InspectDevice['regions'][number]['caps'][number]): string {
  const extra = c.areas ? ` ${c.areas.map((a) => `0x${a.offset.toString(16)}+${bytes(a.size)}`).join(',')}` : c.type !== null ? ` type ${c.type}/${c.subtype}` : '';
  return `${c.name} v${c.version}${extra}`;
}

/** Page sizes: "4 KiB, 2 MiB, 1 GiB" or, for a dense bitmap, "4 KiB and every power of two above". */
function pageSizesText(sizes: number[]): string {
  if (sizes.length === 0) return '-';
  const dense = sizes.length > 4 && sizes.every((s, i) => i === 0 || s === sizes[i - 1]! * 2) && sizes[sizes.length - 1] === 2 ** 63;
  return dense ? `${bytes(sizes[0]!)} and every power of two above` : sizes.map(bytes).join(', ');
}

function renderOne(d: InspectDevice, style: Style): string {
  const out: string[] = [];
  out.push(`${style.bold(d.device)} (${d.kind}, IOMMU group ${d.iommuGroup}, ${d.vfioDevice})`);
  out.push(`  flags: ${d.flags.join(' ') || '-'}; ${d.numRegions} regions, ${d.numIrqs} irqs`);
  out.push('');
  out.push(
    renderTable(
      d.regions,
      [
        { header: 'REGION', value: (r) => r.index, align: 'right' },
        { header: 'NAME', value: (r) => r.name },
        { header: 'SIZE', value: (r) => (r.size === null ? null : r.size === 0 ? '0' : bytes(r.size)), align: 'right' },
        { header: 'OFFSET', value: (r) => r.offset },
        { header: 'FLAGS', value: (r) => (r.error ? style.bad(r.error) : r.flags.join('|')) },
        { header: 'CAPS', value: (r) => r.caps.map(capText).join('; ') },
      ],
      style,
      '  ',
    ),
  );
  out.push('');
  out.push(
    renderTable(
      d.irqs,
      [
        { header: 'IRQ', value: (i) => i.index, align: 'right' },
        { header: 'NAME', value: (i) => i.name },
        { header: 'COUNT', value: (i) => i.count, align: 'right' },
        { header: 'FLAGS', value: (i) => (i.error ? style.bad(i.error) : i.flags.join('|')) },
      ],
      style,
      '  ',
    ),
  );
  if (d.pciCapabilities) {
    out.push('');
    if (d.pciCapabilities.length === 0) out.push('  PCI capabilities: none');
    else
      out.push(
        renderTable(
          d.pciCapabilities,
          [
            { header: 'PCI CAP', value: (c) => `0x${c.offset.toString(16).padStart(c.extended ? 3 : 2, '0')}`, align: 'right' },
            { header: 'ID', value: (c) => `0x${c.id.toString(16).padStart(2, '0')}${c.extended ? ' (ext)' : ''}` },
            { header: 'NAME', value: (c) => c.name },
            { header: 'VERSION', value: (c) => c.version, align: 'right' },
          ],
          style,
          '  ',
        ),
      );
  }
  const m = d.iommu;
  out.push('');
  out.push(`  IOMMU: ${m.type}; extensions ${m.extensions.join(', ') || '-'}`);
  out.push(`    page sizes: ${pageSizesText(m.pageSizes)}`);
  out.push(`    IOVA ranges: ${m.iovaRanges ? m.iovaRanges.map((r) => `${r.start}-${r.end}`).join(', ') : '-'}`);
  out.push(`    DMA mappings available: ${m.dmaAvailable ?? '-'}`);
  out.push(`    caps: ${m.caps.map((c) => `${c.name} v${c.version}`).join(', ') || '-'}`);
  return out.join('\n');
}

export function renderInspect(devices: InspectDevice[], style: Style): string {
  return devices.map((d) => renderOne(d, style)).join('\n\n');
}
