import { z } from 'zod';
import { formatAmount, type ResourceName } from '../../src/resources/amounts';
import { decideReservation, reservationOf, type ReservationWant } from '../../src/resources/reservations';
import type { AgentResources } from '../../src/resources/view';
import { decideCreate, decideDestroy, decideResize, findVolume, type VolumeWant } from '../../src/resources/volumes';
import { act } from '../kit/calls';
import type { AgentInput, AgentSubject } from '../kit/agent';
import { step } from '../kit/define';
import type { RunContext, StepSpec } from '../kit/types';

/**
 * The steps of the runbooks that change an agent's reservations and persistent volumes (updateReservations,
 * resizeVolume, persistentVolume), declared once. Each reads the agent's resources, decides with the pure function of
 * src/resources (plan mode and the write activity make the same decision), writes through a read-decide-write
 * activity, and waits until GET_AGENTS `total_resources` shows the change with no operation pending in
 * GET_OPERATIONS (the master answers 202 before the agent has applied anything, spec §6).
 */

/** The role and principal fields of every resource runbook. */
export const roleFields = {
  role: z
    .string({ error: 'must be a role name, e.g. "dev"' })
    .min(1, 'must be a non-empty role name')
    .refine((r) => r !== '*', 'must be a role, not "*" (unreserved resources have no role)'),
  /** The principal of the reservations and volumes (default: the cluster's configured credentials' principal). */
  principal: z.string({ error: 'must be a principal string' }).min(1, 'must be a non-empty principal').optional(),
};

/** A persistence id: unique per role on an agent; no '/', '\\' or control characters (Mesos refuses them). */
export const persistenceIdField = z
  .string({ error: 'must be a persistence id string' })
  .min(1, 'must be a non-empty persistence id')
  .refine((id) => !/[/\\\u0000-\u001f\u007f]/.test(id), "must not contain '/', '\\' or control characters");

export interface ResourceInput extends AgentInput {
  role: string;
  principal?: string;
}

/** What the resource steps learn, for compensations and the result. */
export interface ResourceFacts extends Record<string, unknown> {
  /** The role's reservation of each resource before this run changed it. */
  before: Partial<Record<ResourceName, number>>;
  /** The volume's size before the resize (resizeVolume). */
  sizeBefore?: number;
  /** The role's root-disk reservation before the volume's disk was reserved (persistentVolume). */
  rootDiskBefore?: number;
  /** What each step did, in words (the result lists them). */
  changes: string[];
}

export type ResourceContext<I extends ResourceInput = ResourceInput> = RunContext<I, AgentSubject, ResourceFacts>;

/** How long a step waits for the master's view and GET_OPERATIONS to settle after a 202. */
const SETTLE_MS = 120_000;

const readResources = (ctx: ResourceContext): Promise<AgentResources> =>
  act.readAgentResources(`GET_AGENTS, GET_OPERATIONS: resources of agent ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId });

const record = (ctx: ResourceContext, outcome: { applied: boolean; note: string } | undefined): undefined => {
  if (outcome?.applied) ctx.facts.changes.push(outcome.note);
  return undefined;
};

/**
 * The role's reservation of one resource as desired state: RESERVE or UNRESERVE (or a move with `fromRole`) only the
 * difference; undone by restoring the amount read before the write.
 */
export function reservationStep<I extends ResourceInput & { fromRole?: string }>(name: ResourceName, amount: (input: I) => number): StepSpec<ResourceContext<I>> {
  const want = (ctx: ResourceContext<I>, target = amount(ctx.input)): ReservationWant => ({
    role: ctx.input.role,
    name,
    amount: target,
    ...(ctx.subject.principal !== undefined ? { principal: ctx.subject.principal } : {}),
    ...(ctx.input.fromRole !== undefined ? { fromRole: ctx.input.fromRole } : {}),
  });
  return step<ResourceContext<I>, AgentResources>({
    name: `${name} reservation`,
    action: (ctx) => `${ctx.input.role}'s reservation of ${name} on ${ctx.subject.hostname} → ${formatAmount(name, amount(ctx.input))}${ctx.input.fromRole ? ` (moved from and to ${ctx.input.fromRole})` : ''}`,
    read: readResources,
    skip: (ctx, res) => {
      const d = decideReservation(res, want(ctx));
      return d.calls.length === 0 && d.refusals.length === 0 ? d.summary : undefined;
    },
    detail: (ctx, res) => {
      const d = decideReservation(res, want(ctx));
      return [d.summary, ...d.refusals, ...d.warnings].join('; ');
    },
    write: (ctx, res) => {
      ctx.facts.before[name] ??= reservationOf(res, ctx.input.role, name).total;
      return act.updateReservation(`${name} of ${ctx.input.role} → ${formatAmount(name, amount(ctx.input))} on ${ctx.subject.agentId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, want: want(ctx) });
    },
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentReservation', agentId: ctx.subject.agentId, role: ctx.input.role, resource: name, amount: amount(ctx.input) },
      timeoutMs: SETTLE_MS,
      impossible: 'AGENT_GONE',
    }),
    done: (ctx, { outcome }) => record(ctx, outcome),
    compensate: {
      name: `restore ${name} reservation`,
      run: async (ctx) => {
        const before = ctx.facts.before[name];
        if (before === undefined) return undefined;
        const r = await act.updateReservation(`${name} of ${ctx.input.role} back to ${formatAmount(name, before)} (compensation)`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, want: want(ctx, before) });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

export interface ResizeInput extends ResourceInput {
  persistenceId: string;
  targetSizeMb: number;
}

/** GROW_VOLUME or SHRINK_VOLUME for the difference; undone by resizing back to the size read before. */
export function resizeStep(): StepSpec<ResourceContext<ResizeInput>> {
  const target = (ctx: ResourceContext<ResizeInput>, sizeMb = ctx.input.targetSizeMb) => ({ role: ctx.input.role, persistenceId: ctx.input.persistenceId, targetSizeMb: sizeMb });
  const resize = (ctx: ResourceContext<ResizeInput>, sizeMb: number, summary: string) =>
    act.resizeVolume(summary, { cluster: ctx.cluster, agentId: ctx.subject.agentId, capabilities: ctx.subject.capabilities, ...target(ctx, sizeMb) });
  return step<ResourceContext<ResizeInput>, AgentResources>({
    name: 'resize',
    action: (ctx) => `GROW_VOLUME or SHRINK_VOLUME ${ctx.input.persistenceId} of ${ctx.input.role} on ${ctx.subject.hostname} to ${formatAmount('disk', ctx.input.targetSizeMb)}`,
    read: readResources,
    skip: (ctx, res) => {
      const d = decideResize(res, ctx.subject.capabilities, target(ctx));
      return d.kind === 'done' ? d.note : undefined;
    },
    detail: (ctx, res) => {
      const d = decideResize(res, ctx.subject.capabilities, target(ctx));
      return d.kind === 'refuse' ? d.problems.join('; ') : d.note;
    },
    write: (ctx, res) => {
      ctx.facts.sizeBefore ??= findVolume(res, ctx.input)?.amount;
      return resize(ctx, ctx.input.targetSizeMb, `resize ${ctx.input.persistenceId} to ${formatAmount('disk', ctx.input.targetSizeMb)}`);
    },
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentVolume', agentId: ctx.subject.agentId, role: ctx.input.role, persistenceId: ctx.input.persistenceId, sizeMb: ctx.input.targetSizeMb },
      timeoutMs: SETTLE_MS,
      impossible: 'AGENT_GONE',
    }),
    done: (ctx, { outcome }) => record(ctx, outcome),
    compensate: {
      name: 'resize back',
      run: async (ctx) => {
        const before = ctx.facts.sizeBefore;
        if (before === undefined) return undefined;
        const r = await resize(ctx, before, `resize ${ctx.input.persistenceId} back to ${formatAmount('disk', before)} (compensation)`);
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

export interface VolumeInput extends ResourceInput {
  persistenceId: string;
  /** Required with state "present" (the schema says so); absent for "absent". */
  containerPath?: string;
  sizeMb?: number;
  mountRoot?: string;
}

const volumeWant = (ctx: ResourceContext<VolumeInput>): VolumeWant => ({
  role: ctx.input.role,
  persistenceId: ctx.input.persistenceId,
  containerPath: ctx.input.containerPath ?? '',
  sizeMb: ctx.input.sizeMb ?? 0,
  ...(ctx.subject.principal !== undefined ? { principal: ctx.subject.principal } : {}),
  ...(ctx.input.mountRoot !== undefined ? { mountRoot: ctx.input.mountRoot } : {}),
});

/** RESERVE the disk the volume needs, when the role lacks it; undone by releasing what this run reserved. */
export function reserveVolumeDiskStep(): StepSpec<ResourceContext<VolumeInput>> {
  return step<ResourceContext<VolumeInput>, AgentResources>({
    name: 'reserve disk',
    action: (ctx) =>
      ctx.input.mountRoot
        ? `RESERVE the MOUNT disk ${ctx.input.mountRoot} (whole) for ${ctx.input.role} on ${ctx.subject.hostname}, unless it is`
        : `RESERVE the disk ${ctx.input.persistenceId} needs (${formatAmount('disk', ctx.input.sizeMb ?? 0)}) for ${ctx.input.role} on ${ctx.subject.hostname}, as far as the role lacks it`,
    read: readResources,
    skip: (ctx, res) => {
      const d = decideCreate(res, volumeWant(ctx));
      if (d.present) return d.note;
      return d.reserve || d.problems.length > 0 ? undefined : `enough disk is reserved for ${ctx.input.role} by ${ctx.subject.principal ?? 'no principal'}`;
    },
    detail: (ctx, res) => {
      const d = decideCreate(res, volumeWant(ctx));
      return d.problems.length > 0 ? d.problems.join('; ') : d.reserveNote;
    },
    write: (ctx, res) => {
      ctx.facts.rootDiskBefore ??= reservationOf(res, ctx.input.role, 'disk').total;
      return act.reserveVolumeDisk(`reserve disk for volume ${ctx.input.persistenceId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, volume: volumeWant(ctx) });
    },
    done: (ctx, { outcome }) => record(ctx, outcome),
    compensate: {
      name: 'unreserve disk',
      run: async (ctx) => {
        const r = await act.releaseVolumeDisk(`unreserve the disk reserved for ${ctx.input.persistenceId} (compensation)`, {
          cluster: ctx.cluster,
          agentId: ctx.subject.agentId,
          volume: volumeWant(ctx),
          rootDiskBefore: ctx.facts.rootDiskBefore ?? 0,
        });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

/** CREATE_VOLUMES, unless present as wanted; undone by destroying the volume this run created (it is empty). */
export function createVolumeStep(): StepSpec<ResourceContext<VolumeInput>> {
  return step<ResourceContext<VolumeInput>, AgentResources>({
    name: 'create volume',
    action: (ctx) => `CREATE_VOLUMES ${ctx.input.persistenceId}: ${formatAmount('disk', ctx.input.sizeMb ?? 0)} of ${ctx.input.role}'s disk at ${ctx.input.containerPath} on ${ctx.subject.hostname}`,
    read: readResources,
    skip: (ctx, res) => {
      const d = decideCreate(res, volumeWant(ctx));
      return d.present ? d.note : undefined;
    },
    write: (ctx) => act.createVolume(`CREATE_VOLUMES ${ctx.input.persistenceId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, volume: volumeWant(ctx) }),
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentVolume', agentId: ctx.subject.agentId, role: ctx.input.role, persistenceId: ctx.input.persistenceId, sizeMb: ctx.input.sizeMb ?? 0 },
      timeoutMs: SETTLE_MS,
      impossible: 'AGENT_GONE',
    }),
    done: (ctx, { outcome }) => record(ctx, outcome),
    compensate: {
      name: 'destroy volume',
      run: async (ctx) => {
        const r = await act.destroyVolume(`DESTROY_VOLUMES ${ctx.input.persistenceId} (compensation: the volume this run created)`, {
          cluster: ctx.cluster,
          agentId: ctx.subject.agentId,
          role: ctx.input.role,
          persistenceId: ctx.input.persistenceId,
        });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

/**
 * DESTROY_VOLUMES, unless absent. Destroying loses the volume's data: it needs an approval that names the persistence
 * id, whatever `requireApproval` says. The disk stays reserved to the role.
 */
export function destroyVolumeStep(): StepSpec<ResourceContext<VolumeInput>> {
  const ref = (ctx: ResourceContext<VolumeInput>) => ({ role: ctx.input.role, persistenceId: ctx.input.persistenceId });
  return step<ResourceContext<VolumeInput>, AgentResources>({
    name: 'destroy volume',
    action: (ctx) => `DESTROY_VOLUMES ${ctx.input.persistenceId} of ${ctx.input.role} on ${ctx.subject.hostname} (its data is lost; the disk stays reserved)`,
    read: readResources,
    skip: (ctx, res) => {
      const d = decideDestroy(res, ref(ctx));
      return d.kind === 'absent' ? d.note : undefined;
    },
    detail: (ctx, res) => {
      const d = decideDestroy(res, ref(ctx));
      return d.kind === 'destroy' ? `${d.note}${d.inUse ? '; a task uses it now: Mesos will refuse' : ''}` : undefined;
    },
    confirm: (ctx) => ctx.input.persistenceId,
    write: (ctx) => act.destroyVolume(`DESTROY_VOLUMES ${ctx.input.persistenceId}`, { cluster: ctx.cluster, agentId: ctx.subject.agentId, ...ref(ctx) }),
    wait: (ctx) => ({
      kind: 'condition',
      condition: { kind: 'agentVolume', agentId: ctx.subject.agentId, ...ref(ctx) },
      timeoutMs: SETTLE_MS,
      impossible: 'AGENT_GONE',
    }),
    done: (ctx, { outcome }) => record(ctx, outcome),
    cannotUndo: (ctx) => `DESTROY_VOLUMES ${ctx.input.persistenceId} was sent: the volume's data is gone if Mesos applied it (the disk stays reserved to ${ctx.input.role})`,
  });
}
