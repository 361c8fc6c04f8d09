/** Small statistics and process-memory helpers for the benchmarks. */
import { readFileSync, writeFileSync } from 'node:fs';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function statusKb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Current resident set size in bytes (Linux). */
export function rssBytes(): number {
  return statusKb('VmRSS') * 1024;
}

/** Peak resident set size since the last {@link resetPeak}, in bytes (Linux). */
export function peakRssBytes(): number {
  return statusKb('VmHWM') * 1024;
}

/** Resets the kernel's peak-RSS mark to the current RSS (Linux `clear_refs` 5). */
export function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}
