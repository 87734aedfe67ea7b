/** The process metrics every Node exporter shows (prom-client's collectDefaultMetrics names), present from a process's first scrape. */
export const processMetricNames = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_active_handles_total',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
];

/** The names of `processMetricNames` that `text` (Prometheus text) has no sample of. */
export function missingProcessMetrics(text: string): string[] {
  return processMetricNames.filter((name) => !new RegExp(`^${name} \\S+$`, 'm').test(text));
}
