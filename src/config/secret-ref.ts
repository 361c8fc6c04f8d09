import { z } from 'zod';

/**
 * A secret is never written in the configuration: it is named by reference, an environment variable or a file
 * (design.md "Configuration"). Resolved only in the process that uses it, never in workflow code or history.
 */
export const SecretRefSchema = z.union(
  [
    z.object({ env: z.string().min(1).describe('name of an environment variable holding the secret') }).strict(),
    z.object({ file: z.string().min(1).describe('path of a file holding the secret') }).strict(),
  ],
  { error: 'a reference to the secret: { env: VARIABLE } or { file: /path }, never the secret itself' },
);
export type SecretRef = z.infer<typeof SecretRefSchema>;
