import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { createAgentActivities } from '../../activities/agents';
import { catalog, type RunbookName } from '../../runbooks/catalog';
import type { ClusterRegistry } from '../clusters';
import { formatIssues } from '../common/zod-issues';
import { runbookWorkflowId } from './names';
import { SearchAttributes } from './search-attributes';

/** A runbook input refused at a start path: nothing was started. */
export class RunbookInputError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly runbook: string,
    readonly problems: string[],
  ) {
    super(`${runbook}: invalid input:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RunbookInputError';
  }
}

/**
 * Validates `input` with the runbook's schema; returns the parsed input or throws {@link RunbookInputError} naming
 * each bad field. The same schema runs again as the workflow's first step.
 */
export function validateRunbookInput(runbook: string, input: unknown): Record<string, unknown> {
  if (!(runbook in catalog)) {
    throw new RunbookInputError(runbook, [`runbook: unknown runbook '${runbook}' (available: ${Object.keys(catalog).join(', ')})`]);
  }
  const entry = catalog[runbook as RunbookName];
  const result = entry.inputSchema.safeParse(input ?? {});
  if (!result.success) throw new RunbookInputError(runbook, formatIssues(result.error));
  return result.data as Record<string, unknown>;
}

export interface StartRunbookOptions {
  client: Client;
  taskQueue: string;
  runbook: string;
  input: unknown;
  /** Who started it (user, chat handle, schedule id); recorded as the `Initiator` search attribute. */
  initiator?: string;
  /** Optional suffix making the workflow id unique (tests, repeated demos). */
  idSuffix?: string;
  /**
   * When given, the start path also checks against the cluster (reads only) that the named cluster is configured and
   * the agent exists and is unambiguous, so that a bad agent starts nothing.
   */
  clusters?: ClusterRegistry;
}

/**
 * Read-only checks a start path makes before starting: the cluster is configured, and an `agentId` / `hostname`
 * names exactly one registered agent. Throws {@link RunbookInputError} naming the field.
 */
export async function preflightRunbookInput(runbook: string, input: Record<string, unknown>, clusters: ClusterRegistry): Promise<void> {
  const cluster = String(input.cluster ?? 'default');
  if (!clusters.names().includes(cluster)) {
    throw new RunbookInputError(runbook, [`cluster: unknown cluster '${cluster}' (configured: ${clusters.names().join(', ')})`]);
  }
  if (typeof input.agentId !== 'string' && typeof input.hostname !== 'string') return;
  try {
    await createAgentActivities({ clusters }).findAgent({
      cluster,
      agentId: typeof input.agentId === 'string' ? input.agentId : undefined,
      hostname: typeof input.hostname === 'string' ? input.hostname : undefined,
    });
  } catch (err) {
    if ((err as { type?: string }).type === 'INVALID_INPUT') throw new RunbookInputError(runbook, [(err as Error).message]);
    throw err;
  }
}

/**
 * Validates and starts one run. Its workflow id is `<runbook>/<cluster>/<target>` so that Temporal refuses a second
 * start of the same request while the first runs. Throws {@link RunbookInputError} before starting anything when the
 * input is bad, and the client's `WorkflowExecutionAlreadyStartedError` for a duplicate.
 */
export async function startRunbook(options: StartRunbookOptions): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const input = validateRunbookInput(options.runbook, options.input);
  if (options.clusters) await preflightRunbookInput(options.runbook, input, options.clusters);
  const entry = catalog[options.runbook as RunbookName];
  const cluster = String(input.cluster ?? 'default');
  const rawInput = { ...(options.input as Record<string, unknown>), ...(options.initiator ? { initiator: options.initiator } : {}) };
  const workflowId = runbookWorkflowId(options.runbook, cluster, entry.target(input)) + (options.idSuffix ? `/${options.idSuffix}` : '');
  return options.client.workflow.start(options.runbook, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [rawInput],
    staticSummary: `${options.runbook} on ${cluster}: ${entry.target(input)}${input.reason ? ` — ${String(input.reason)}` : ''}`,
    typedSearchAttributes: [
      { key: SearchAttributes.RunbookName, value: options.runbook },
      { key: SearchAttributes.MesosCluster, value: cluster },
      ...(options.initiator ? [{ key: SearchAttributes.Initiator, value: options.initiator }] : []),
      ...(typeof input.ticket === 'string' ? [{ key: SearchAttributes.Ticket, value: input.ticket }] : []),
    ],
  });
}
