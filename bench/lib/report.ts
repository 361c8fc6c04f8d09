import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** docs/benchmarks.md, where every benchmark writes its own section. */
export const BENCHMARKS_FILE = path.join(__dirname, '..', '..', 'docs', 'benchmarks.md');

/**
 * Replaces the section that starts with `heading` (e.g. "## Client") in docs/benchmarks.md, or appends it, keeping
 * every other section as it is. Returns the file's path.
 */
export function writeBenchmarkSection(heading: string, section: string): string {
  const current = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : '# Benchmarks\n';
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = current.search(new RegExp(`^${escaped}\\s*$`, 'm'));
  let next: string;
  if (start < 0) {
    next = `${current.trimEnd()}\n\n${section.trim()}\n`;
  } else {
    const rel = current.slice(start + 1).search(/^## /m);
    const end = rel < 0 ? current.length : start + 1 + rel;
    next = `${current.slice(0, start)}${section.trim()}\n\n${current.slice(end)}`;
  }
  writeFileSync(BENCHMARKS_FILE, `${next.trimEnd()}\n`);
  return BENCHMARKS_FILE;
}

/** "met" or "**NOT met**", for a target line in a report. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : '**NOT met**';
}
