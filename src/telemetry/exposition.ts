import type { HistogramSample } from './histogram';

/**
 * The Prometheus text exposition format (0.0.4), written in one place: every /metrics body of the
 * sidecar and the control plane is built from these lines, so escaping and histogram series have
 * one definition. The families that hold values are in metric-family.ts.
 */
export const contentType = 'text/plain; version=0.0.4';

export type MetricType = 'counter' | 'gauge' | 'histogram';

const needsEscape = /[\\"\n]/;

/** A label value as the format wants it: backslash, double quote and newline escaped. */
export function escapeLabelValue(v: string): string {
  // Most values (service names, codes) need nothing: test once instead of three replaces.
  return needsEscape.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** HELP text escapes backslash and newline (quotes are allowed there). */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `a="x",b="y"`: the inside of the braces, empty for no labels. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let s = '';
  for (let i = 0; i < names.length; i++) s += `${i ? ',' : ''}${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  return s;
}

/** A sample value: JavaScript's own text, except the infinities and NaN the format spells its way. */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return `${v}`;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

export function writeHeader(out: string[], name: string, type: MetricType, help: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** One sample line; `labels` is `labelText` output (already escaped). */
export function writeSample(out: string[], name: string, labels: string, value: number): void {
  out.push(labels ? `${name}{${labels}} ${formatValue(value)}` : `${name} ${formatValue(value)}`);
}

/** The `_bucket` lines (cumulative, then `+Inf`), `_sum` and `_count` of one histogram series. */
export function writeHistogram(out: string[], name: string, labels: string, h: HistogramSample, bounds: readonly number[]): void {
  const sep = labels ? ',' : '';
  for (let i = 0; i < bounds.length; i++) out.push(`${name}_bucket{${labels}${sep}le="${bounds[i]}"} ${h.buckets[i]}`);
  out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${h.count}`);
  writeSample(out, `${name}_sum`, labels, h.sum);
  writeSample(out, `${name}_count`, labels, h.count);
}

/** The body: one line each, a final newline, nothing at all for no lines. */
export function joinLines(out: readonly string[]): string {
  return out.length ? out.join('\n') + '\n' : '';
}

/** The value of `name{labels}` in Prometheus text, 0 when absent (how tests read a counter). */
export function sampleValue(text: string, name: string, labels: string): number {
  const head = `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(head));
  return line ? Number(line.slice(head.length)) : 0;
}
