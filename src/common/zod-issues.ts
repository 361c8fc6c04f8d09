import type { z } from 'zod';

/**
 * zod issues as `path: message` lines, naming the field and, where zod knows them, the allowed values. Pure: used by
 * the configuration loader and by runbook input validation inside the workflow sandbox alike.
 */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      message = `invalid value (allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    }
    if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    return `${where}: ${message}`;
  });
}
