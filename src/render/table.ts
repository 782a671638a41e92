/**
 * One table renderer for every human listing: aligned columns, an optional
 * footer ("N listed"), `-` for unknown values. Cells may carry color; width is
 * measured without escape codes. Control characters in a cell are escaped
 * (escape.ts) before it is measured or painted.
 */
import { escapeControl } from './escape.js';
import type { Style } from './style.js';

export interface Column<Row> {
  header: string;
  /** The cell text; null/undefined print as `-`. */
  value: (row: Row) => string | number | null | undefined;
  align?: 'left' | 'right';
  /** Color a cell after measuring it. */
  paint?: (text: string, row: Row, style: Style) => string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleWidth = (s: string): number => s.replace(ANSI, '').length;

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], style: Style, indent = ''): string {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.value(r);
      // Cells show sysfs and /proc text: escaped here, once for every listing.
      return v === null || v === undefined || v === '' ? '-' : escapeControl(String(v));
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visibleWidth(row[i]!))));
  const pad = (text: string, i: number, painted: string): string => {
    const w = widths[i]!;
    const fill = ' '.repeat(Math.max(0, w - visibleWidth(text)));
    return columns[i]!.align === 'right' ? fill + painted : painted + fill;
  };
  const lines: string[] = [];
  lines.push(indent + columns.map((c, i) => pad(c.header, i, style.head(c.header))).join('  ').trimEnd());
  cells.forEach((row, r) => {
    lines.push(
      indent +
        row
          .map((text, i) => {
            const col = columns[i]!;
            const painted = col.paint && text !== '-' ? col.paint(text, rows[r]!, style) : text;
            return pad(text, i, painted);
          })
          .join('  ')
          .trimEnd(),
    );
  });
  return lines.join('\n');
}

/** A table with its footer line below; -q drops the footer (a count for people, not the data). */
export function withFooter(body: string, foot: string, quiet: boolean): string {
  return quiet ? body : `${body}\n${foot}`;
}

export function footer(count: number, noun: string, style: Style, extra?: string): string {
  const plural = count === 1 ? noun : noun.endsWith('s') ? noun : `${noun}s`;
  return style.dim(`${count} ${plural} listed${extra ? `; ${extra}` : ''}`);
}
