import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  freezeChangedSignal,
  freezeStateQuery,
  freezeSubscribeUpdate,
  freezeUnsubscribeSignal,
  freezeUpdate,
  invalidInput,
  unfreezeUpdate,
  type Freeze,
  type FreezeRequest,
  type FreezeState,
  type RunRef,
  type UnfreezeRequest,
} from '../src/contracts';
import { dateTime } from '../src/progress/time';

export interface ClusterFreezeInput {
  cluster: string;
  /** State carried over continue-as-new. */
  state?: FreezeState;
  subscribers?: RunRef[];
}

/** The longest freeze one request may set (a freeze is a brake, not a setting). */
export const MAX_FREEZE_MS = 14 * 24 * 3600_000;

/** Since this patch, `freeze` and `unfreeze` answer only once every subscribed run has been told (see below). */
export const TOLD_BEFORE_ANSWER_PATCH = 'freeze-told-before-answer';

/**
 * The freeze of one cluster (`cluster-freeze/<cluster>`, an entity workflow): who froze it, why and until when.
 * While it holds, no run on the cluster starts a step (the kit's checkpoint waits); runs learn of it without an
 * activity per step: each run subscribes once at its start (`subscribe`, answered with the state) and is signalled
 * `freezeChanged` at every change, including the freeze lifting itself at `until`. A subscriber that cannot be
 * signalled (it ended without unsubscribing) is dropped. `freeze` and `unfreeze` answer once the Signal is in every
 * subscriber's history: when `freeze` returns, no run starts another step (an approval sent after it cannot overtake it).
 */
export async function clusterFreeze(input: ClusterFreezeInput): Promise<never> {
  let state: FreezeState = input.state ?? { cluster: input.cluster };
  const subscribers = new Map<string, RunRef>();
  for (const r of input.subscribers ?? []) subscribers.set(`${r.workflowId}/${r.runId}`, r);
  // Changes made (`version`) and changes every subscriber has been told of (`told`): a change is untold while they differ.
  let version = 0;
  let told = 0;
  const changed = () => version > told;

  const now = () => new Date(Date.now()).toISOString();
  const set = (next: FreezeState) => {
    state = next;
    version++;
  };
  /** An Update's answer: the state it set, once the subscribers know it. */
  const answerOnceTold = async (): Promise<FreezeState> => {
    const answer = state;
    const mine = version;
    if (patched(TOLD_BEFORE_ANSWER_PATCH)) await condition(() => told >= mine);
    return answer;
  };

  setHandler(
    freezeUpdate,
    (req: FreezeRequest) => {
      const freeze: Freeze = { by: req.by.trim(), reason: req.reason.trim(), until: new Date(Date.parse(req.until)).toISOString(), since: now() };
      set({ cluster: input.cluster, freeze, ...(state.lifted ? { lifted: state.lifted } : {}) });
      return answerOnceTold();
    },
    {
      validator: (req) => {
        const problems: string[] = [];
        if (typeof req?.by !== 'string' || !req.by.trim()) problems.push('by: required: who freezes the cluster');
        if (typeof req?.reason !== 'string' || !req.reason.trim()) problems.push('reason: required: why (shown in every waiting run)');
        const until = typeof req?.until === 'string' ? Date.parse(req.until) : NaN;
        if (Number.isNaN(until)) problems.push('until: an ISO 8601 time, e.g. 2026-12-01T18:00:00Z');
        else if (until <= Date.now()) problems.push(`until: ${req.until} is already past`);
        else if (until - Date.now() > MAX_FREEZE_MS) problems.push('until: at most 14 days ahead');
        if (problems.length) throw invalidInput(`freeze: ${problems.join('; ')}`, [problems]);
      },
    },
  );
  setHandler(
    unfreezeUpdate,
    (req: UnfreezeRequest) => {
      set({ cluster: input.cluster, lifted: { by: req.by.trim(), at: now(), ...(req.reason ? { reason: req.reason } : {}) } });
      return answerOnceTold();
    },
    {
      validator: (req) => {
        if (typeof req?.by !== 'string' || !req.by.trim()) throw invalidInput('unfreeze: by: required: who lifts the freeze');
        if (!active()) throw invalidInput(`unfreeze: cluster ${input.cluster} is not frozen`);
      },
    },
  );
  setHandler(freezeSubscribeUpdate, (run) => {
    subscribers.set(`${run.workflowId}/${run.runId}`, { workflowId: run.workflowId, runId: run.runId });
    return state;
  });
  setHandler(freezeUnsubscribeSignal, (run) => {
    subscribers.delete(`${run.workflowId}/${run.runId}`);
  });
  setHandler(freezeStateQuery, () => (active() ? state : { cluster: input.cluster, ...(state.lifted ? { lifted: state.lifted } : {}) }));

  function active(): Freeze | undefined {
    const f = state.freeze;
    return f && Date.now() < Date.parse(f.until) ? f : undefined;
  }

  async function tellSubscribers(): Promise<void> {
    await Promise.all(
      [...subscribers].map(async ([key, run]) => {
        try {
          await getExternalWorkflowHandle(run.workflowId, run.runId).signal(freezeChangedSignal, state);
        } catch (err) {
          log.info('cluster freeze: a subscriber is gone; dropping it', { ...run, error: err instanceof Error ? err.message : String(err) });
          subscribers.delete(key);
        }
      }),
    );
  }

  for (;;) {
    const f = active();
    const canContinueAsNew = () => !changed() && workflowInfo().continueAsNewSuggested && allHandlersFinished();
    const woken = f
      ? await condition(() => changed() || canContinueAsNew(), Math.max(1, Date.parse(f.until) - Date.now()))
      : (await condition(() => changed() || canContinueAsNew()), true);
    if (!woken && state.freeze === f) {
      log.info('cluster freeze: lifted at its time', { cluster: input.cluster, until: f ? dateTime(f.until) : undefined });
      set({ cluster: input.cluster, lifted: { by: f!.by, at: now(), reason: 'its time was up' } });
    }
    if (changed()) {
      const telling = version;
      await tellSubscribers();
      told = telling;
    } else if (canContinueAsNew()) {
      return continueAsNew<typeof clusterFreeze>({ cluster: input.cluster, state, subscribers: [...subscribers.values()] });
    }
  }
}
