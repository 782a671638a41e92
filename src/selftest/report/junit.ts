/** JUnit XML for CI: one testsuite per device, one testcase per step. */
import type { SelftestReport, SelftestResult } from '../types.js';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids even escaped are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

const secs = (ms: number): string => (ms / 1000).toFixed(6);
const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

function suite(r: SelftestResult): string {
  const failures = r.steps.filter((s) => !s.ok).length;
  const skipped = r.steps.filter((s) => s.skipped).length;
  const total = r.steps.reduce((a, s) => a + s.ms, 0);
  const out = [`  <testsuite${attrs({ name: `${r.device} (${r.profile})`, tests: r.steps.length, failures, errors: 0, skipped, time: secs(total) })}>`];
  const props = Object.entries(r.metrics);
  out.push('    <properties>');
  out.push(`      <property${attrs({ name: 'profileVersion', value: r.profileVersion })}/>`);
  for (const [k, v] of props) out.push(`      <property${attrs({ name: k, value: v === null ? 'null' : v })}/>`);
  out.push('    </properties>');
  for (const s of r.steps) {
    const open = `    <testcase${attrs({ classname: `accelctl.selftest.${r.profile}`, name: s.name, time: secs(s.ms) })}`;
    if (!s.ok) out.push(`${open}>`, `      <failure${attrs({ message: s.detail ?? 'failed' })}/>`, '    </testcase>');
    else if (s.skipped) out.push(`${open}>`, `      <skipped${attrs({ message: s.detail ?? 'skipped' })}/>`, '    </testcase>');
    else if (s.detail) out.push(`${open}>`, `      <system-out>${xmlEscape(s.detail)}</system-out>`, '    </testcase>');
    else out.push(`${open}/>`);
  }
  out.push('  </testsuite>');
  return out.join('\n');
}

export function junit(report: SelftestReport): string {
  const steps = report.results.flatMap((r) => r.steps);
  const head = `<testsuites${attrs({ name: 'accelctl selftest', tests: steps.length, failures: steps.filter((s) => !s.ok).length, time: secs(steps.reduce((a, s) => a + s.ms, 0)) })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...report.results.map(suite), '</testsuites>', ''].join('\n');
}
