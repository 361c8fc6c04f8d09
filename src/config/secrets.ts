import { readFileSync } from 'node:fs';
import type { SecretRef } from './schema';

/**
 * Resolves a secret reference in the worker process. The error names the reference (variable or file), never a
 * value. Throws when the variable is unset or empty, or the file cannot be read or is empty.
 */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (!value) throw new Error(`secret: environment variable ${ref.env} is unset or empty`);
    return value;
  }
  let value: string;
  try {
    value = readFileSync(ref.file, 'utf8').trim();
  } catch (err) {
    throw new Error(`secret: cannot read file ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!value) throw new Error(`secret: file ${ref.file} is empty`);
  return value;
}
