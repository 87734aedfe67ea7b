/** One direction of the demo (or one thing it shows, like access) and how it went. */
export interface DirectionResult {
  readonly name: string;
  readonly ok: boolean;
  /** What came back, in a few words. */
  readonly detail: string;
}

/** The client's own summary line ("<who>: 12 passed, 0 failed"), or the end of its output. */
export function summaryOf(output: string): string {
  const lines = output.trim().split('\n');
  return [...lines].reverse().find((l) => / passed, \d+ failed$/.test(l)) ?? (lines[0] || '(no output)');
}

/** The demo's last words: a line per direction, so a reader sees at once what ran and what failed. */
export function report(results: readonly DirectionResult[], say: (line: string) => void): number {
  say('directions:');
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) say(`  ${r.ok ? 'ok    ' : 'FAILED'}  ${r.name.padEnd(width)}  ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  say(failed ? `${failed} of ${results.length} failed` : `all ${results.length} passed`);
  return failed ? 1 : 0;
}
