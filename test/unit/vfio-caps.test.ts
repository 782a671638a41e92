import { describe, expect, it } from 'vitest';
import { iommuCaps, regionCaps, walkCaps } from '../../src/vfio/caps.js';
import { pageSizes } from '../../src/vfio/container.js';

function header(buf: Buffer, off: number, id: number, version: number, next: number): void {
  buf.writeUInt16LE(id, off);
  buf.writeUInt16LE(version, off + 2);
  buf.writeUInt32LE(next, off + 4);
}

describe('capability chains', () => {
  it('walks a chain in order and stops at a loop', () => {
    const buf = Buffer.alloc(64);
    header(buf, 24, 1, 1, 40);
    header(buf, 40, 2, 3, 24); // points back: a malformed chain must not spin
    expect(walkCaps(buf, 24)).toEqual([
      { id: 1, version: 1, offset: 24 },
      { id: 2, version: 3, offset: 40 },
    ]);
  });

  it('stops at a header that would run past the buffer', () => {
    const buf = Buffer.alloc(32);
    header(buf, 24, 3, 1, 30);
    expect(walkCaps(buf, 24)).toHaveLength(1);
  });

  it('decodes sparse mmap areas and region types', () => {
    const buf = Buffer.alloc(112);
    header(buf, 32, 1, 1, 80);
    buf.writeUInt32LE(2, 40);
    buf.writeBigUInt64LE(0n, 48);
    buf.writeBigUInt64LE(0x1000n, 56);
    buf.writeBigUInt64LE(0x3000n, 64);
    buf.writeBigUInt64LE(0x2000n, 72);
    header(buf, 80, 2, 1, 0);
    buf.writeUInt32LE(0x80008086, 88);
    buf.writeUInt32LE(1, 92);
    const caps = regionCaps(buf, 32);
    expect(caps[0]).toMatchObject({ name: 'SPARSE_MMAP', version: 1 });
    expect(caps[0]!.areas).toEqual([{ offset: 0, size: 0x1000 }, { offset: 0x3000, size: 0x2000 }]);
    expect(caps[1]).toMatchObject({ name: 'TYPE', version: 1, type: 0x80008086, subtype: 1 });
  });

  it('decodes IOVA ranges as hex (the top of the space is no JSON number) and DMA_AVAIL', () => {
    const buf = Buffer.alloc(96);
    header(buf, 24, 1, 1, 72);
    buf.writeUInt32LE(2, 32);
    buf.writeBigUInt64LE(0n, 40);
    buf.writeBigUInt64LE(0xfedfffffn, 48);
    buf.writeBigUInt64LE(0xfef00000n, 56);
    buf.writeBigUInt64LE(0xffffffffffffffffn, 64);
    header(buf, 72, 3, 1, 0);
    buf.writeUInt32LE(65535, 80);
    const caps = iommuCaps(buf, 24);
    expect(caps[0]!.iovaRanges).toEqual([
      { start: '0x0', end: '0xfedfffff' },
      { start: '0xfef00000', end: '0xffffffffffffffff' },
    ]);
    expect(caps[1]).toMatchObject({ name: 'DMA_AVAIL', dmaAvailable: 65535 });
  });

  it('turns the page size bitmap into sizes', () => {
    expect(pageSizes(0x40201000n)).toEqual([4096, 2 ** 21, 2 ** 30]);
    expect(pageSizes(0xfffffffffffff000n)).toHaveLength(52);
  });
});
