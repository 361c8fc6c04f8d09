/**
 * The contract between runs, the per-cluster watcher workflow and the watcher activity: message names and the
 * shape of a registered wait (the watcher's workflow id is in src/contracts/ids.ts). Plain data and names only, so that the activities (which must not
 * import workflow code) and the workflows (which must not import activities) share it.
 */
import { z } from 'zod';
import { ConditionSchema, type Condition, type Observation } from './conditions';

/** Message names of the watcher workflow and of waiting runs. */
export const WatchMessages = {
  /** Update on the watcher: register a wait. */
  registerWait: 'registerWait',
  /** Signal on the watcher: the run no longer waits. */
  cancelWait: 'cancelWait',
  /** Signal on the watcher: the activity signalled these waits' runs. */
  resolved: 'resolved',
  /** Query on the watcher: the current waits. */
  waits: 'waits',
  /** Signal on a waiting run: its condition holds. */
  conditionMet: 'conditionMet',
} as const;

/** A registered wait: who waits (workflow id and run id, to signal it) and for what. */
export const WaitSchema = z
  .object({
    waitId: z.string({ error: 'must be a string' }).min(1, 'must be a non-empty string'),
    workflowId: z.string({ error: 'must be a string' }).min(1, 'must be a non-empty string'),
    runId: z.string({ error: 'must be a string' }).min(1, 'must be a non-empty string'),
    condition: ConditionSchema,
    /** Signal the run also when the condition can no longer hold (e.g. the agent is gone), not only when it holds. */
    reportImpossible: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();
export type Wait = z.infer<typeof WaitSchema>;

/** The registerWait Update's argument: the waits of one or more runs (the activity batches concurrent ones). */
export const RegisterWaitsSchema = z
  .object({ waits: z.array(WaitSchema, { error: 'must be a list of waits' }).min(1, 'must list at least one wait').max(500, 'at most 500 waits per Update') })
  .strict();
export type RegisterWaits = z.infer<typeof RegisterWaitsSchema>;

export interface CancelWaitInput {
  waitId: string;
}

export interface ResolvedInput {
  waitIds: string[];
}

export interface ConditionMetInput {
  waitId: string;
  observation: Observation;
  /** Set when the condition can no longer hold (only for waits registered with `reportImpossible`): why. */
  impossible?: string;
}

export interface WatcherInput {
  cluster: string;
  /** Carried over continue-as-new. */
  waits?: Wait[];
}

export type { Condition, Observation };
