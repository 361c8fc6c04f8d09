import type { PreflightCheck } from '../../activities/types';

/** One step a run would take, as its plan mode reports it. */
export interface PlannedStep {
  name: string;
  /** What the step would do, in words (the Mesos call and its target). */
  action: string;
  /** Set when the step would be skipped because its effect already holds. */
  skipBecause?: string;
}

/**
 * What a runbook's plan mode (`dryRun: true`) returns: every check that would pass or fail and every step it would
 * take. A plan run reads the cluster and changes nothing.
 */
export interface RunPlan {
  runbook: string;
  dryRun: true;
  cluster: string;
  target: string;
  checks: PreflightCheck[];
  steps: PlannedStep[];
  /** True when every check passes: a real run would start its steps. */
  ready: boolean;
}

export function plan(runbook: string, cluster: string, target: string, checks: PreflightCheck[], steps: PlannedStep[]): RunPlan {
  return { runbook, dryRun: true, cluster, target, checks, steps, ready: checks.every((c) => c.ok) };
}

/** A one-line summary of failed checks, for the failure of a real run whose preflight failed. */
export function failedChecks(checks: PreflightCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
}
