/** Prometheus text exposition format (version 0.0.4), for a node-exporter textfile collector. */
import type { SelftestReport } from '../types.js';

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;

interface Family {
  name: string;
  help: string;
  samples: [Record<string, string>, number][];
}

export function prometheus(report: SelftestReport): string {
  const families: Family[] = [
    { name: 'accelctl_selftest_ok', help: '1 when every step of the device self-test passed, else 0.', samples: [] },
    { name: 'accelctl_selftest_step_ok', help: '1 when the step passed or was skipped, else 0.', samples: [] },
    { name: 'accelctl_selftest_step_skipped', help: '1 when the step could not apply to the device.', samples: [] },
    { name: 'accelctl_selftest_step_duration_seconds', help: 'Wall time of the step.', samples: [] },
    { name: 'accelctl_selftest_metric', help: 'Measurements of the profile (rates per second, latencies as named).', samples: [] },
  ];
  const [ok, stepOk, stepSkipped, stepDuration, metric] = families as [Family, Family, Family, Family, Family];
  for (const r of report.results) {
    const base = { device: r.device, profile: r.profile };
    ok.samples.push([base, r.ok ? 1 : 0]);
    for (const s of r.steps) {
      const l = { ...base, step: s.name };
      stepOk.samples.push([l, s.ok ? 1 : 0]);
      stepSkipped.samples.push([l, s.skipped ? 1 : 0]);
      stepDuration.samples.push([l, s.ms / 1000]);
    }
    for (const [name, v] of Object.entries(r.metrics)) if (v !== null) metric.samples.push([{ ...base, metric: name }, v]);
  }
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const [l, v] of f.samples) out.push(`${f.name}${labels(l)} ${Number.isFinite(v) ? v : 'NaN'}`);
  }
  return out.join('\n') + '\n';
}
