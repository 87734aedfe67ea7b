import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time and memory of a process, read from /proc (Linux). */

let ticksPerSecond: number | undefined;

export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface UsageSample {
  /** user + system CPU seconds so far. */
  readonly cpuSeconds: number;
  /** Wall clock, ms (performance.now()). */
  readonly at: number;
  readonly rssMb: number;
  /** Peak RSS so far (VmHWM). */
  readonly peakRssMb: number;
}

export function sampleUsage(pid: number): UsageSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuSeconds: (utime + stime) / clockTicks(), at: performance.now(), rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

export interface UsageWindow {
  /** CPU seconds used per wall-clock second: 1.0 is one core busy. */
  readonly cpuPerSecond: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

export function usageBetween(before: UsageSample, after: UsageSample): UsageWindow {
  const wall = (after.at - before.at) / 1000;
  return { cpuPerSecond: (after.cpuSeconds - before.cpuSeconds) / wall, rssMb: after.rssMb, peakRssMb: after.peakRssMb };
}

/** The bench process itself (the load generator), from Node's own counters. */
export function selfSample(): UsageSample {
  const u = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuSeconds: (u.user + u.system) / 1e6, at: performance.now(), rssMb: mem.rss / 1048576, peakRssMb: NaN };
}
