import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';
import { Metrics, renderPrometheus, renderConversion } from '../../src/telemetry/metrics';
import { failureCodes, isFailure } from '../../src/errors/failure-codes';

/** The Grafana dashboard in docs/ must query only series the control plane's /metrics has. */
test('every metric and label the Grafana dashboard queries exists', () => {
  const dash = JSON.parse(readFileSync(join(repoRoot, 'docs', 'grafana-dashboard.json'), 'utf8'));
  const exprs: string[] = dash.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
  expect(exprs.length).toBeGreaterThan(5);
  const m = new Metrics();
  m.observe('outbound', 'app', 'S', 'M', 'UNAVAILABLE', 0.01);
  m.observeConversion('S', 'M', 0.00002);
  const text = renderPrometheus(m.samples()) + renderConversion(m.conversionSamples());
  const names = new Set([...text.matchAll(/^(transmesh_\w+)\{/gm)].map((x) => x[1]));
  for (const e of exprs) {
    for (const [, name] of e.matchAll(/(transmesh_\w+)/g)) expect([name, names.has(name)]).toEqual([name, true]);
    for (const [, labels] of e.matchAll(/by \(([^)]*)\)/g)) {
      for (const l of labels.split(',').map((s) => s.trim())) expect(['le', 'direction', 'caller', 'service', 'method', 'code']).toContain(l);
    }
  }
});

/** Failures (page on them) and the service's other answers are told apart by the same codes as the dashboard's. */
test('the Grafana failure panels count exactly the failure codes, and the answers panel the rest', () => {
  const dash = JSON.parse(readFileSync(join(repoRoot, 'docs', 'grafana-dashboard.json'), 'utf8'));
  const failures = failureCodes.join('|');
  const byTitle = (re: RegExp) => dash.panels.filter((p: any) => re.test(p.title));
  const failurePanels = byTitle(/^Failure/);
  expect(failurePanels.length).toBeGreaterThanOrEqual(3);
  for (const p of failurePanels) expect(p.targets[0].expr).toContain(`code=~"${failures}"`);
  const [answers] = byTitle(/^Other answers/);
  expect(answers.targets[0].expr).toContain(`code!~"OK|${failures}"`);
  // Nothing counts every non-OK code as an error any more: NOT_FOUND must not raise a failure rate.
  for (const p of dash.panels) for (const t of p.targets) expect(t.expr).not.toContain('transmesh_request_errors_total');
  expect(isFailure('NOT_FOUND')).toBe(false);
  expect(isFailure('UNAVAILABLE')).toBe(true);
});
