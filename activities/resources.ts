import { Context } from '@temporalio/activity';
import type { ClusterRegistry } from '../src/clusters';
import { invalidInput, runbookFailure } from '../src/contracts';
import { isMesosError, type MasterClient } from '../src/mesos';
import { decideReservation, type ReservationWant } from '../src/resources/reservations';
import { agentResources, describeTasks, reservedOnlyTo, tasksHolding, toWire, type AgentResources, type WireResource } from '../src/resources/view';
import { decideCreate, decideDestroy, decideResize, describeHoldings, type VolumeRef, type VolumeWant } from '../src/resources/volumes';
import { registeredIn } from './agents';
import { asActivity } from './errors';
import type { StepOutcome } from './types';

export interface ResourceActivityDeps {
  clusters: ClusterRegistry;
}

export interface AgentResourceRef {
  cluster: string;
  agentId: string;
}

/**
 * Activities over an agent's reservations and persistent volumes (spec §6), each read → decide → write with the pure
 * decision of src/resources (the same function the step's `skip` and plan mode use). None of these Mesos calls is
 * idempotent (RESERVE twice reserves twice), so every attempt reads GET_AGENTS first and sends only what is still
 * missing: a retry after a lost 202 finds the change applied and sends nothing.
 *
 * Failures: `CHANGE_REFUSED` when the decision refuses (nothing sent), `RESOURCES_IN_USE` when Mesos answers 409 (or
 * 400 "Persistent volumes in use"), with Mesos's text and the tasks that hold the resources, `AGENT_GONE` /
 * `AGENT_RECOVERING` for the agent, else the client's code.
 */
export function createResourceActivities({ clusters }: ResourceActivityDeps) {
  async function read(cluster: string, agentId: string): Promise<AgentResources> {
    const master = clusters.master(cluster);
    const [view, operations] = await Promise.all([clusters.agents(cluster), master.getOperations()]);
    return agentResources(registeredIn(view, cluster, agentId), operations);
  }

  /** Runs `call`; a 409 (or a 400 naming a volume in use) becomes RESOURCES_IN_USE with the tasks that hold `resources`. */
  async function sending(master: MasterClient, agentId: string, what: string, resources: WireResource[], call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (err) {
      const inUse = isMesosError(err) && (err.code === 'MESOS_CONFLICT' || (err.code === 'MESOS_BAD_REQUEST' && /in use/i.test(err.mesosMessage ?? '')));
      if (!inUse) throw err;
      const tasks = tasksHolding((await master.getTasks()).tasks, agentId, resources);
      throw runbookFailure('RESOURCES_IN_USE', `${what} refused by Mesos (${err.status}: ${err.mesosMessage ?? err.message}); held by ${describeTasks(tasks)}`, [{ mesosMessage: err.mesosMessage, tasks }]);
    }
  }

  /** A retry that finds its change made says so (the earlier attempt's answer was lost). */
  const already = (note: string): StepOutcome =>
    Context.current().info.attempt > 1 ? { applied: true, note: `${note} (an earlier attempt's call took effect; its answer was lost)` } : { applied: false, note };

  return {
    /** The agent's scalar resources and pending operations (GET_AGENTS, GET_OPERATIONS), for a step's decision. */
    async readAgentResources(input: AgentResourceRef): Promise<AgentResources> {
      return asActivity(() => read(input.cluster, input.agentId));
    },

    /**
     * The role's reservation of one resource as desired state: RESERVE or UNRESERVE (or RESERVE with `source` to move
     * between roles) only the difference to `want.amount`; nothing when it already holds.
     */
    async updateReservation(input: AgentResourceRef & { want: ReservationWant }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const decision = decideReservation(await read(input.cluster, input.agentId), input.want);
        if (decision.refusals.length > 0) throw runbookFailure('CHANGE_REFUSED', decision.refusals.join('; '));
        if (decision.calls.length === 0) return already(decision.summary);
        for (const call of decision.calls) {
          if (call.kind === 'reserve') {
            // What a RESERVE consumes: its source, else the same resources one reservation down (the unreserved pool).
            const consumed = call.source ?? call.resources.map((r) => ({ ...r, reservations: (r.reservations ?? []).slice(0, -1) }));
            await sending(master, input.agentId, call.what, consumed, () =>
              master.reserveResources({ agentId: input.agentId, resources: call.resources, ...(call.source ? { source: call.source } : {}) }),
            );
          } else {
            await sending(master, input.agentId, call.what, call.resources, () => master.unreserveResources({ agentId: input.agentId, resources: call.resources }));
          }
        }
        return { applied: true, note: `${decision.summary}: ${decision.calls.map((c) => c.what).join(', ')} accepted (202)` };
      });
    },

    /** GROW_VOLUME or SHRINK_VOLUME for the difference to `targetSizeMb`; nothing when the volume is at it. */
    async resizeVolume(input: AgentResourceRef & VolumeRef & { targetSizeMb: number; capabilities: string[] }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const d = decideResize(await read(input.cluster, input.agentId), input.capabilities, input);
        if (d.kind === 'done') return already(d.note);
        if (d.kind === 'refuse') {
          if (d.inUse) {
            const tasks = tasksHolding((await master.getTasks()).tasks, input.agentId, d.volume ? [d.volume] : []);
            throw runbookFailure('RESOURCES_IN_USE', `${d.problems.join('; ')} (held by ${describeTasks(tasks)})`, [{ tasks }]);
          }
          throw runbookFailure('CHANGE_REFUSED', d.problems.join('; '));
        }
        if (d.kind === 'grow') {
          await sending(master, input.agentId, d.note, [d.volume, d.addition], () => master.growVolume({ agentId: input.agentId, volume: d.volume, addition: d.addition }));
        } else {
          await sending(master, input.agentId, d.note, [d.volume], () => master.shrinkVolume({ agentId: input.agentId, volume: d.volume, subtract: d.by }));
        }
        return { applied: true, note: `${d.note} accepted (202)` };
      });
    },

    /** RESERVE the disk a volume needs (the part the role's reservation by this principal lacks, or a MOUNT disk whole). */
    async reserveVolumeDisk(input: AgentResourceRef & { volume: VolumeWant }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const d = decideCreate(await read(input.cluster, input.agentId), input.volume);
        if (d.present) return already(d.note);
        if (d.problems.length > 0) throw runbookFailure('CHANGE_REFUSED', d.problems.join('; '));
        if (!d.reserve) return already(`enough disk is reserved for ${input.volume.role} already`);
        const reserve = d.reserve;
        await sending(master, input.agentId, d.reserveNote ?? 'RESERVE', reserve, () => master.reserveResources({ agentId: input.agentId, resources: reserve }));
        return { applied: true, note: `${d.reserveNote} accepted (202)` };
      });
    },

    /**
     * The undo of {@link reserveVolumeDisk}: a MOUNT disk reserved (plain, no volume on it) to the role by this
     * principal is unreserved whole; on the root disk the role's reservation goes back to `rootDiskBefore` MB (the
     * desired-state decision, so a retry never unreserves twice).
     */
    async releaseVolumeDisk(input: AgentResourceRef & { volume: VolumeWant; rootDiskBefore: number }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const res = await read(input.cluster, input.agentId);
        const { volume } = input;
        if (volume.mountRoot === undefined) {
          const d = decideReservation(res, { role: volume.role, principal: volume.principal, name: 'disk', amount: input.rootDiskBefore });
          if (d.refusals.length > 0) throw runbookFailure('CHANGE_REFUSED', d.refusals.join('; '));
          if (d.calls.length === 0) return already(d.summary);
          for (const call of d.calls) if (call.kind === 'unreserve') await sending(master, input.agentId, call.what, call.resources, () => master.unreserveResources({ agentId: input.agentId, resources: call.resources }));
          return { applied: true, note: `${d.summary}: accepted (202)` };
        }
        const disk = res.chunks.find((c) => c.name === 'disk' && c.volume === undefined && c.source.type === 'MOUNT' && c.source.root === volume.mountRoot && reservedOnlyTo(c, volume.role));
        if (!disk) return already(`the MOUNT disk ${volume.mountRoot} is not reserved (plain) to ${volume.role} any more`);
        const wire = toWire(disk, disk.amount);
        await sending(master, input.agentId, `UNRESERVE the MOUNT disk ${volume.mountRoot}`, [wire], () => master.unreserveResources({ agentId: input.agentId, resources: [wire] }));
        return { applied: true, note: `UNRESERVE the MOUNT disk ${volume.mountRoot} accepted (202)` };
      });
    },

    /** CREATE_VOLUMES, unless the volume is present as wanted (another size or path: CHANGE_REFUSED). */
    async createVolume(input: AgentResourceRef & { volume: VolumeWant }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const d = decideCreate(await read(input.cluster, input.agentId), input.volume);
        if (d.present) return already(d.note);
        if (d.problems.length > 0) throw runbookFailure('CHANGE_REFUSED', d.problems.join('; '));
        await sending(master, input.agentId, d.note, [d.volume], () => master.createVolumes({ agentId: input.agentId, volumes: [d.volume] }));
        return { applied: true, note: `${d.note}: accepted (202)` };
      });
    },

    /**
     * DESTROY_VOLUMES, unless the volume is absent. A volume a task uses is refused by Mesos: the activity reads the
     * tasks and fails RESOURCES_IN_USE naming them (before sending when its own read shows it).
     */
    async destroyVolume(input: AgentResourceRef & VolumeRef): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const d = decideDestroy(await read(input.cluster, input.agentId), input);
        if (d.kind === 'absent') return already(d.note);
        if (d.inUse) {
          const tasks = tasksHolding((await master.getTasks()).tasks, input.agentId, [d.volume]);
          throw runbookFailure('RESOURCES_IN_USE', `volume ${input.persistenceId} is in use by ${describeTasks(tasks)}: Mesos refuses to destroy it until they end`, [{ tasks }]);
        }
        await sending(master, input.agentId, `DESTROY_VOLUMES ${input.persistenceId}`, [d.volume], () => master.destroyVolumes({ agentId: input.agentId, volumes: [d.volume] }));
        return { applied: true, note: `${d.note}: accepted (202)` };
      });
    },

    /** What the agent holds that marking it gone loses: its dynamic and static reservations and its volumes, in words. */
    async agentHoldings(input: AgentResourceRef): Promise<{ reservations: string[]; volumes: string[] }> {
      return asActivity(async () => describeHoldings(await read(input.cluster, input.agentId)));
    },

    /**
     * MARK_AGENT_GONE (idempotent in Mesos: an agent already gone answers 200, so a retry after a lost answer is
     * harmless). A 404 (not registered, recovered or unreachable) is INVALID_INPUT naming the agent id.
     */
    async markAgentGone(input: AgentResourceRef): Promise<StepOutcome> {
      return asActivity(async () => {
        try {
          await clusters.master(input.cluster).markAgentGone({ agentId: input.agentId });
        } catch (err) {
          if (isMesosError(err) && err.code === 'MESOS_NOT_FOUND') throw invalidInput(`agentId: the master of cluster '${input.cluster}' does not know agent '${input.agentId}' (not registered, recovered or unreachable): ${err.mesosMessage ?? err.message}`);
          throw err;
        }
        return { applied: true, note: `MARK_AGENT_GONE ${input.agentId} accepted: the agent is gone for good` };
      });
    },
  };
}

export type ResourceActivities = ReturnType<typeof createResourceActivities>;
