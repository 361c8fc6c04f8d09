import { z } from 'zod';
import type { PreflightCheckName, PreflightRequest } from '../../activities/preflight';
import { act } from './calls';
import { failedChecks } from './define';
import type { CommonInput, SubjectSpec } from './types';

/** The cluster as a subject: what preflight learnt of it. */
export interface ClusterSubject {
  cluster: string;
  mesosVersion?: string;
}

/** The `ifBusy` field of runbooks that change a cluster-wide setting: when another run changes it, wait or fail. */
export const ifBusyField = z.enum(['wait', 'fail'], { error: 'must be "wait" or "fail"' }).default('wait');

/** A workflow id's target for a list of roles: sorted, joined with ',' (no '/'). */
export function rolesTarget(list: { role: string }[]): string {
  return [...new Set(list.map((e) => e.role))].sort().join(',').replace(/\//g, '_');
}

/** The input of runbooks that act on the cluster as a whole (quota, weights). */
export interface ClusterInput extends CommonInput {
  ifBusy: 'wait' | 'fail';
}

/**
 * The cluster itself as a runbook's subject (quota, weights): preflight runs the runbook's named checks of the
 * cluster (`quotaValid`, ...); the run leases one key of the cluster (`quota`, `weights`) from the cluster's lock,
 * so two runs never change the same cluster-wide setting at once.
 */
export function theCluster<I extends ClusterInput>(options: { leaseKey: string; checks: PreflightCheckName[]; request: (input: I) => PreflightRequest; what: string }): SubjectSpec<I, ClusterSubject> {
  return {
    lookup: { kind: 'cluster' },
    async preflight(input, cluster) {
      const report = await act.preflight(`preflight of the ${options.what} of cluster ${cluster}`, { cluster, checks: options.checks, request: options.request(input) });
      const subject: ClusterSubject = { cluster, ...(report.mesosVersion ? { mesosVersion: report.mesosVersion } : {}) };
      if (!report.checks.every((c) => c.ok)) return { subject, checks: report.checks, failure: { type: 'PREFLIGHT_FAILED', message: `preflight failed: ${failedChecks(report.checks)}` } };
      return { subject, checks: report.checks, note: `cluster ${cluster}${report.mesosVersion ? `, Mesos ${report.mesosVersion}` : ''}` };
    },
    placeholder: (input) => ({ cluster: input.cluster }),
    leaseKeys: () => [options.leaseKey],
    leaseLabel: (key) => `the ${key === options.leaseKey ? options.what : key} of the cluster`,
    waitForLease: (input) => input.ifBusy === 'wait',
    tag: () => undefined,
  };
}
