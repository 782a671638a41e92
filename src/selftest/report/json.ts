import type { SelftestReport } from '../types.js';

export const json = (report: SelftestReport): string => JSON.stringify(report, null, 2) + '\n';
