/** Report formats: a registry of small functions from the report to text. */
import type { Style } from '../../render/style.js';
import type { SelftestReport } from '../types.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { prometheus } from './prometheus.js';
import { text } from './text.js';

export type Reporter = (report: SelftestReport, style: Style) => string;

export const REPORTERS: Record<string, Reporter> = { text, json, junit, prometheus };
