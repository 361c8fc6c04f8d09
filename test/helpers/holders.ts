import type { WorkflowHandle } from '@temporalio/client';
import { holderStateQuery, type HolderState } from './entity-workflows';

/** Reads with `read` every 100 ms until `ok` holds (bounded), and returns that value: the condition, never a fixed sleep. */
export async function pollUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** Waits until a `leaseHolder` run (test/helpers/entity-workflows.ts) reports `state`. */
export function holderReaches(h: WorkflowHandle, state: HolderState['state']): Promise<HolderState> {
  return pollUntil(() => h.query(holderStateQuery), (s) => s.state === state, `${h.workflowId} ${state}`);
}
