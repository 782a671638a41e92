/** For people: one block per device, a line per step, metrics, and a footer. */
import type { Style } from '../../render/style.js';
import type { SelftestReport, SelftestResult } from '../types.js';

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

function block(r: SelftestResult, style: Style): string {
  const head = `${r.ok ? style.ok('PASS') : style.bad('FAIL')} ${style.bold(r.device)} (profile ${r.profile} v${r.profileVersion})`;
  const width = Math.max(...r.steps.map((s) => s.name.length), 4);
  const lines = r.steps.map((s) => {
    const mark = !s.ok ? style.bad('fail') : s.skipped ? style.warn('skip') : style.ok('ok  ');
    return `  ${mark} ${s.name.padEnd(width)} ${ms(s.ms).padStart(9)}  ${s.detail ?? ''}`.trimEnd();
  });
  const metrics = Object.entries(r.metrics).map(([k, v]) => `  ${style.dim(k)} ${v ?? '-'}`);
  return [head, ...lines, ...(metrics.length ? ['  metrics:', ...metrics.map((m) => '  ' + m)] : [])].join('\n');
}

export function text(report: SelftestReport, style: Style): string {
  const failed = report.results.filter((r) => !r.ok).length;
  const n = report.results.length;
  const summary = `${n} ${n === 1 ? 'device' : 'devices'} tested${failed ? `, ${style.bad(`${failed} failed`)}` : ', all passed'}`;
  return [...report.results.map((r) => block(r, style)), style.dim(summary)].join('\n\n') + '\n';
}
