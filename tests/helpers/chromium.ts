import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's Chromium, headless (scripts/ensure-tools.sh installs it). `--virtual-time-budget`
 * lets the page's fetches and first timers run before the DOM is dumped or the screenshot taken,
 * without a sleep. A fresh profile per run, so nothing is cached between runs.
 */
function run(args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'transmesh-chromium-'));
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${profile}`, '--virtual-time-budget=3000'];
  return new Promise((resolve, reject) => {
    execFile(process.env.CHROMIUM ?? 'chromium', [...base, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.split('\n').slice(-5).join('\n')}`));
      else resolve(stdout);
    });
  });
}

/** The DOM after the page's scripts ran, as HTML; laid out in a window of `size` (what the page measures of itself depends on it). */
export function dumpDom(url: string, size = '1280,1000'): Promise<string> {
  return run([`--window-size=${size}`, '--dump-dom', url]);
}

export async function screenshot(url: string, file: string, size = '1280,1000'): Promise<void> {
  await run([`--screenshot=${file}`, `--window-size=${size}`, '--hide-scrollbars', url]);
}
