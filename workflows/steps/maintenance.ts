import type { MachineMaintenance } from '../../activities/types';
import { scheduleWindowSkip, startMaintenanceSkip, stopMaintenanceSkip } from '../../src/agents/decisions';
import type { MachineRef } from '../../src/agents/vocabulary';
import type { Observation } from '../../src/contracts';
import { duration } from '../../src/progress/time';
import { act, actLong } from '../kit/calls';
import { tagAgents } from '../kit/agent';
import { step } from '../kit/define';
import type { StepSpec } from '../kit/types';
import type { AgentContext, AgentFacts, DrainInput } from './agent';

/**
 * The steps of the maintenance of one machine (mesos-semantics.md §10): schedule its window, START_MAINTENANCE, the
 * operator's work, STOP_MAINTENANCE, the agent's return (under a new id), and the verification. Declared once.
 */

export interface MaintenanceInput extends DrainInput {
  windowMinutes: number;
  workDurationSeconds?: number;
  returnTimeoutSeconds: number;
  /** A webhook that does the work: POSTed the machine once it is DOWN; a 2xx ends the work. */
  work?: { webhookUrl: string; timeoutSeconds: number };
}

export interface MaintenanceFacts extends AgentFacts {
  /** STOP_MAINTENANCE brought the machine back (compensation then has nothing to stop). */
  stopped?: boolean;
  /** The agent registered on the machine after the maintenance. */
  newAgent?: Observation;
}

export type MaintenanceContext = AgentContext<MaintenanceInput, MaintenanceFacts>;

/** The machine (hostname and ip) of the run's agent; preflight's `machineKnown` check guarantees the ip. */
export function machineOf(ctx: MaintenanceContext): MachineRef {
  return { hostname: ctx.subject.hostname, ip: ctx.subject.ip ?? '' };
}

const where = (ctx: MaintenanceContext) => `${ctx.subject.hostname}/${ctx.subject.ip ?? '?'}`;
const readMachine = (ctx: MaintenanceContext): Promise<MachineMaintenance> =>
  act.machineMaintenance(`GET_MAINTENANCE_STATUS / GET_MAINTENANCE_SCHEDULE: ${where(ctx)}`, { cluster: ctx.cluster, machine: machineOf(ctx) });

/** Adds the machine to the maintenance schedule with its window, through the cluster's schedule owner. */
export function scheduleWindowStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext, MachineMaintenance>({
    name: 'schedule window',
    action: (ctx) => `UPDATE_MAINTENANCE_SCHEDULE (through the cluster's schedule owner): add ${where(ctx)} with a ${duration(ctx.input.windowMinutes * 60)} window from now`,
    read: readMachine,
    skip: (_ctx, state) => scheduleWindowSkip(state.mode),
    write: (ctx) => {
      const startNs = BigInt(Date.now()) * 1_000_000n;
      return act.requestScheduleChange(`schedule ${where(ctx)} for ${duration(ctx.input.windowMinutes * 60)}`, {
        cluster: ctx.cluster,
        requestId: `${ctx.requestKey}/add`,
        add: { machines: [machineOf(ctx)], window: { startNs: startNs.toString(), durationNs: (BigInt(ctx.input.windowMinutes) * 60_000_000_000n).toString() } },
      });
    },
    compensate: {
      name: 'remove from schedule',
      run: async (ctx, undo) => {
        if (undo.wentDown) return undefined; // STOP_MAINTENANCE took the machine out of the schedule
        const r = await act.requestScheduleChange(`take ${where(ctx)} out of the schedule (compensation)`, { cluster: ctx.cluster, requestId: `${ctx.requestKey}/remove`, remove: { machines: [machineOf(ctx)] } });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

/** START_MAINTENANCE: the machine goes DOWN, its agent is shut down and removed. Undone by STOP_MAINTENANCE. */
export function startMaintenanceStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext, MachineMaintenance>({
    name: 'start maintenance',
    action: (ctx) => `START_MAINTENANCE ${where(ctx)}: the agent is shut down and removed`,
    read: readMachine,
    skip: (_ctx, state) => startMaintenanceSkip(state.mode),
    write: (ctx) => act.startMaintenance(`START_MAINTENANCE ${where(ctx)}`, { cluster: ctx.cluster, machine: machineOf(ctx) }),
    compensate: {
      name: 'stop maintenance',
      run: async (ctx, undo) => {
        // What Mesos did, not what the run meant to do: STOP_MAINTENANCE's answer says whether the machine was DOWN
        // (a failed stop: assume so).
        undo.wentDown = true;
        if (ctx.facts.stopped) return undefined;
        const r = await act.stopMaintenance(`STOP_MAINTENANCE ${where(ctx)} (compensation)`, { cluster: ctx.cluster, machine: machineOf(ctx) });
        undo.wentDown = r.applied;
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
    cannotUndo: (ctx, undo) => (undo.wentDown ? `START_MAINTENANCE shut agent ${ctx.subject.agentId} down; the machine's agent returns as a new agent` : undefined),
  });
}

/** The operator's work on the machine: until `complete`, or for `workDurationSeconds`. */
export function workStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext>({
    name: 'work',
    action: (ctx) =>
      ctx.input.workDurationSeconds === undefined ? 'wait for the operator: send the `complete` Update when done' : `${duration(ctx.input.workDurationSeconds)} (or \`complete\`)`,
    wait: (ctx) => ({
      kind: 'operator',
      what:
        ctx.input.workDurationSeconds === undefined
          ? `the operator's work on ${ctx.subject.hostname} (send \`complete\`)`
          : `the work on ${ctx.subject.hostname} (${duration(ctx.input.workDurationSeconds)}, or \`complete\`)`,
      ...(ctx.input.workDurationSeconds === undefined ? {} : { maxMs: ctx.input.workDurationSeconds * 1000 }),
    }),
  });
}

/**
 * The work by a webhook: POSTs the machine (hostname, ip, agent id) once it is DOWN and waits for the answer (at most
 * `work.timeoutSeconds`); a 2xx ends the work. Otherwise (another answer, a timeout) the run falls back to
 * `workDurationSeconds` or the operator's `complete`, and says why.
 */
export function workWebhookStep(): StepSpec<MaintenanceContext> {
  const fallback = (ctx: MaintenanceContext) =>
    ctx.input.workDurationSeconds === undefined ? 'wait for the operator (`complete`)' : `wait ${duration(ctx.input.workDurationSeconds)} (or \`complete\`)`;
  return step<MaintenanceContext>({
    name: 'work',
    action: (ctx) => `POST ${ctx.subject.hostname}/${ctx.subject.ip ?? '?'} to the work webhook (up to ${duration(ctx.input.work!.timeoutSeconds)}); without a 2xx, ${fallback(ctx)}`,
    run: async (ctx) => {
      const work = ctx.input.work!;
      const machine = { hostname: ctx.subject.hostname, ip: ctx.subject.ip ?? '', agentId: ctx.subject.agentId };
      ctx.progress.waitStarted('operator', `the work webhook for ${machine.hostname}`, new Date(Date.now() + work.timeoutSeconds * 1000).toISOString());
      const answer = await actLong('workWebhook', `POST ${machine.hostname} to the work webhook`, work.timeoutSeconds, { webhookUrl: work.webhookUrl, timeoutSeconds: work.timeoutSeconds, machine });
      ctx.progress.waitEnded(answer.ok ? 'completed' : 'elapsed', { reason: answer.ok ? `the webhook answered ${answer.status}` : `the webhook answered ${answer.status ?? answer.error}` });
      if (answer.ok) return `done by the webhook (${answer.status})`;
      ctx.progress.note(`the work webhook did not answer 2xx (${answer.status ?? answer.error}): ${fallback(ctx)}`);
      const how = await ctx.control.awaitCompletion(
        ctx.input.workDurationSeconds === undefined ? `the operator's work on ${machine.hostname} (send \`complete\`)` : `the work on ${machine.hostname} (${duration(ctx.input.workDurationSeconds)}, or \`complete\`)`,
        ctx.input.workDurationSeconds === undefined ? undefined : ctx.input.workDurationSeconds * 1000,
      );
      return how === 'completed' ? 'marked complete' : 'duration elapsed';
    },
  });
}

/** STOP_MAINTENANCE: the machine is UP and out of the schedule. */
export function stopMaintenanceStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext, MachineMaintenance>({
    name: 'stop maintenance',
    action: (ctx) => `STOP_MAINTENANCE ${where(ctx)}: the machine leaves the schedule`,
    decidedAtRunTime: 'acts once START_MAINTENANCE has taken the machine DOWN',
    read: readMachine,
    skip: (_ctx, state) => stopMaintenanceSkip(state.mode),
    write: (ctx) => act.stopMaintenance(`STOP_MAINTENANCE ${where(ctx)}`, { cluster: ctx.cluster, machine: machineOf(ctx) }),
    done: (ctx) => {
      ctx.facts.stopped = true;
      return undefined;
    },
  });
}

/** Waits for an agent to register on the machine again (under a new id after START_MAINTENANCE). */
export function waitForAgentStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext>({
    name: 'wait for agent',
    action: (ctx) => `wait up to ${duration(ctx.input.returnTimeoutSeconds)} until an agent registers on ${where(ctx)}`,
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentOnMachine', hostname: ctx.subject.hostname, ip: ctx.subject.ip ?? '' },
      timeoutMs: ctx.input.returnTimeoutSeconds * 1000,
      diagnose: async () => `no agent registered on ${where(ctx)}: the machine is UP; is the agent process running on it, and can it reach the master?`,
    }),
    done: (ctx, { wait }) => {
      if (wait?.outcome === 'skipped') {
        const w = wait as { by?: string; reason: string };
        ctx.facts.skippedWaits.push(`agent return (skipped by ${w.by ?? 'an operator'}: ${w.reason})`);
        return w.reason;
      }
      if (wait?.outcome !== 'met') return undefined;
      const back = (wait as { observation: Observation }).observation;
      ctx.facts.newAgent = back;
      const newId = back.agentId ?? '';
      tagAgents([ctx.subject.agentId, newId], ctx.subject);
      return newId === ctx.subject.agentId ? `${newId} re-registered under its old id` : `new agent ${newId}`;
    },
  });
}

/** Waits until the returned agent is active with no drain info. */
export function verifyStep(): StepSpec<MaintenanceContext> {
  return step<MaintenanceContext>({
    name: 'verify',
    action: () => 'the agent is active with no drain info',
    decidedAtRunTime: 'once an agent is back on the machine',
    skip: (ctx) => (ctx.facts.newAgent ? undefined : 'no agent'),
    wait: (ctx) => ({ kind: 'condition', condition: { kind: 'agentActive', agentId: ctx.facts.newAgent!.agentId! }, what: `agent ${ctx.facts.newAgent!.agentId} active with no drain info`, timeoutMs: 120_000 }),
    done: (ctx, { wait }) => {
      if (wait?.outcome === 'met') {
        ctx.facts.newAgent = (wait as { observation: Observation }).observation;
        return 'active, no drain info';
      }
      return undefined;
    },
  });
}
