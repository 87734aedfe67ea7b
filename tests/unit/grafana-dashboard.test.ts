import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';
import { Metrics, renderPrometheus, renderConversion } from '../../src/telemetry/metrics';

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
