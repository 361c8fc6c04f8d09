/**
 * A minimal authorizer: rules that deny call types to principals, answered 403 `403 Forbidden.` as Mesos does
 * for a denied write (reads are not filtered by the simulator). Without rules everything is allowed, like a
 * master without `--acls`.
 */
import { z } from 'zod';

/** One denial: these call types for this principal (every principal, authenticated or not, when absent). */
export const DenyRuleSchema = z.object({
  principal: z.string().optional(),
  calls: z.array(z.string()).min(1),
});

/** Denial rules (input form). */
export type DenyRuleInput = z.input<typeof DenyRuleSchema>;

/** The authorizer. */
export class Authorizer {
  private rules: z.output<typeof DenyRuleSchema>[] = [];

  /** Replaces the rules. @throws ZodError on invalid input. */
  set(rules: DenyRuleInput[]): void {
    this.rules = z.array(DenyRuleSchema).parse(rules);
  }

  /** The current rules. */
  get(): DenyRuleInput[] {
    return this.rules.map((r) => ({ ...r, calls: [...r.calls] }));
  }

  /** True when `principal` may make `call`. */
  allows(principal: string | undefined, call: string): boolean {
    return !this.rules.some((r) => (r.principal === undefined || r.principal === principal) && r.calls.includes(call));
  }
}
