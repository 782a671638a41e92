import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/render/style.js';
import { REPORTERS } from '../../src/selftest/report/index.js';
import type { SelftestReport } from '../../src/selftest/types.js';
import { checkXml, parseExposition, type XmlElement } from './selftest-parsers.js';

const NASTY = 'detail with <tags> & "quotes" \'apos\' \\ back\nslash';
const REPORT: SelftestReport = {
  schemaVersion: 1,
  results: [
    {
      device: '0b0e0b0e-0002-4000-8000-000000000002',
      profile: 'mtty',
      profileVersion: 1,
      ok: false,
      steps: [
        { name: 'container', ok: true, skipped: false, ms: 1.5, detail: '/dev/vfio/vfio, API version 0' },
        { name: 'interrupt loopback', ok: true, skipped: true, ms: 0, detail: 'skipped: not supported' },
        { name: 'queue "msi"', ok: false, skipped: false, ms: 200.25, detail: NASTY },
      ],
      metrics: { fifoPairsPerSec: 12345.6, msiLatencyP50Us: null },
    },
    { device: '0000:41:00.0', profile: 'edu', profileVersion: 1, ok: true, steps: [{ name: 'id register', ok: true, skipped: false, ms: 0.1, detail: null }], metrics: {} },
  ],
};
const style = makeStyle(false);

describe('selftest reporters', () => {
  it('json is the report itself', () => {
    expect(JSON.parse(REPORTERS.json!(REPORT, style))).toEqual(REPORT);
  });

  it('text: a verdict per device, a line per step, metrics, a footer', () => {
    const out = REPORTERS.text!(REPORT, style);
    expect(out).toMatch(/^FAIL 0b0e0b0e-0002-4000-8000-000000000002 \(profile mtty v1\)$/m);
    expect(out).toMatch(/^PASS 0000:41:00.0 \(profile edu v1\)$/m);
    expect(out).toMatch(/^ {2}skip interrupt loopback +0\.0 ms {2}skipped: not supported$/m);
    expect(out).toMatch(/^ {2}fail queue "msi" +200\.3 ms/m);
    expect(out).toMatch(/fifoPairsPerSec 12345.6/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('2 devices tested, 1 failed');
  });

  it('junit: well-formed, escaped, failures and skips where they belong', () => {
    const xml = REPORTERS.junit!(REPORT, style);
    const [root] = checkXml(xml) as [XmlElement];
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1' });
    const [mtty, edu] = root.children;
    expect(mtty!.attrs).toMatchObject({ name: '0b0e0b0e-0002-4000-8000-000000000002 (mtty)', tests: '3', failures: '1', skipped: '1' });
    const cases = mtty!.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['container', 'interrupt loopback', 'queue "msi"']);
    expect(cases[1]!.children[0]!.name).toBe('skipped');
    const failure = cases[2]!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attrs.message).toBe(NASTY);
    const props = mtty!.children.find((c) => c.name === 'properties')!.children;
    expect(props.map((p) => [p.attrs.name, p.attrs.value])).toEqual([['profileVersion', '1'], ['fifoPairsPerSec', '12345.6'], ['msiLatencyP50Us', 'null']]);
    expect(edu!.attrs).toMatchObject({ failures: '0', tests: '1' });
  });

  it('prometheus: parses strictly; one verdict per device; label values escaped; null metrics left out', () => {
    const { types, samples } = parseExposition(REPORTERS.prometheus!(REPORT, style));
    expect([...types.values()].every((t) => t === 'gauge')).toBe(true);
    const ok = samples.filter((s) => s.name === 'accelctl_selftest_ok');
    expect(ok.map((s) => [s.labels.device, s.labels.profile, s.value])).toEqual([
      ['0b0e0b0e-0002-4000-8000-000000000002', 'mtty', 0],
      ['0000:41:00.0', 'edu', 1],
    ]);
    const dur = samples.find((s) => s.name === 'accelctl_selftest_step_duration_seconds' && s.labels.step === 'queue "msi"');
    expect(dur?.value).toBeCloseTo(0.20025, 6);
    const metrics = samples.filter((s) => s.name === 'accelctl_selftest_metric');
    expect(metrics.map((s) => [s.labels.metric, s.value])).toEqual([['fifoPairsPerSec', 12345.6]]);
    expect(samples.find((s) => s.name === 'accelctl_selftest_step_skipped' && s.labels.step === 'interrupt loopback')?.value).toBe(1);
  });

  it('the exposition parser itself rejects what Prometheus would', () => {
    expect(() => parseExposition('a 1\n')).toThrow(/before TYPE/);
    expect(() => parseExposition('# TYPE a gauge\na{x="1} 1\n')).toThrow();
    expect(() => parseExposition('# TYPE a gauge\na{x="\\q"} 1\n')).toThrow(/bad labels/);
  });

  it('the XML check itself rejects bad XML', () => {
    expect(() => checkXml('<a><b></a>')).toThrow(/closes/);
    expect(() => checkXml('<a>x & y</a>')).toThrow(/entity/);
  });
});
