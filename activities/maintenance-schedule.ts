import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRegistry } from '../src/clusters';
import { machineText, type MachineRef, type ScheduleChange, type ScheduleChangeResult } from '../src/maintenance/schedule-change';
import { editSchedule, isScheduled, isScheduledIn } from '../src/maintenance/schedule-edit';
import { changeScheduleUpdate, EntityWorkflowTypes, maintenanceScheduleOwnerId } from '../src/contracts';
import { asActivity, updateFailure } from './errors';

export interface MaintenanceScheduleActivityDeps {
  clusters: ClusterRegistry;
  temporal: { client: Client; taskQueue: string };
}

export type ScheduleChangeInput = { cluster: string } & ScheduleChange;

/** What one read-decide-write of the schedule did. */
export interface ScheduleApplyOutcome {
  applied: boolean;
  note: string;
  downKept: MachineRef[];
}

/** The failure type of a write that the read after it does not show (someone else wrote in between): retryable. */
export const SCHEDULE_NOT_APPLIED = 'SCHEDULE_NOT_APPLIED';

/**
 * The maintenance schedule's activities. `applyMaintenanceScheduleChange` is the owner workflow's one write path;
 * runbooks call `requestScheduleChange`, which goes through the owner (starting it if needed), never Mesos directly.
 */
export function createMaintenanceScheduleActivities({ clusters, temporal }: MaintenanceScheduleActivityDeps) {
  return {
    /**
     * Reads the schedule and the DOWN machines, edits the schedule with {@link editSchedule}, writes it with
     * UPDATE_MAINTENANCE_SCHEDULE only when it changed, then reads it again to verify. Safe to retry: a retry after
     * a lost response finds the change in place and writes nothing. Only the owner workflow may call it.
     *
     * Fails with the client's code (`MESOS_BAD_REQUEST` when Mesos refuses the schedule, non-retryable), or with a
     * retryable `SCHEDULE_NOT_APPLIED` when the read after the write does not show the change.
     */
    async applyMaintenanceScheduleChange(input: ScheduleChangeInput): Promise<ScheduleApplyOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const [{ schedule }, { status }] = await Promise.all([master.getMaintenanceSchedule(), master.getMaintenanceStatus()]);
        // Only full MachineIDs can match a requested machine; partial DOWN entries are never touched anyway.
        const down = status.down_machines.flatMap((m) => (m.hostname !== undefined && m.ip !== undefined ? [{ hostname: m.hostname, ip: m.ip }] : []));
        const additions = [...(input.add ? [input.add] : []), ...(input.adds ?? [])];
        let edit = editSchedule(schedule, { add: additions[0], remove: input.remove }, down);
        for (const add of additions.slice(1)) {
          const next = editSchedule(edit.schedule, { add }, down);
          edit = { ...next, changed: edit.changed || next.changed, notes: [...edit.notes, ...next.notes], downKept: edit.downKept };
        }
        const note = edit.notes.join('; ');
        if (!edit.changed) return { applied: false, note: note || 'nothing to change', downKept: edit.downKept };

        await master.updateMaintenanceSchedule(edit.schedule);
        const after = (await master.getMaintenanceSchedule()).schedule;
        const missing = additions.flatMap((add) => add.machines.filter((m) => !isScheduledIn(after, m, add.window)));
        const lingering = (input.remove?.machines ?? []).filter((m) => !edit.downKept.includes(m) && isScheduled(after, m));
        if (missing.length > 0 || lingering.length > 0) {
          throw ApplicationFailure.create({
            type: SCHEDULE_NOT_APPLIED,
            nonRetryable: false,
            message: `the schedule read after UPDATE_MAINTENANCE_SCHEDULE does not show the change (another writer?): ${[
              ...missing.map((m) => `${machineText(m)} not in its window`),
              ...lingering.map((m) => `${machineText(m)} still scheduled`),
            ].join(', ')}`,
          });
        }
        return { applied: true, note, downKept: edit.downKept };
      });
    },

    /**
     * Asks the cluster's schedule owner for a change (Update-with-Start: the owner is started on first use) and
     * returns its answer. A repeated `requestId` gets the first answer again, without a Mesos call.
     *
     * Fails non-retryably with `INVALID_INPUT` for an unknown cluster or a malformed change (naming the field), and
     * with the owner's failure type when the change could not be applied.
     */
    async requestScheduleChange(input: ScheduleChangeInput): Promise<ScheduleChangeResult> {
      return asActivity(async () => {
        const { cluster, ...change } = input;
        clusters.master(cluster); // an unknown cluster fails here, before an owner is started for it
        try {
          return await temporal.client.workflow.executeUpdateWithStart(changeScheduleUpdate, {
            args: [change],
            startWorkflowOperation: new WithStartWorkflowOperation(EntityWorkflowTypes.maintenanceScheduleOwner, {
              workflowId: maintenanceScheduleOwnerId(cluster),
              taskQueue: temporal.taskQueue,
              args: [{ cluster }],
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          });
        } catch (err) {
          throw updateFailure(err);
        }
      });
    },
  };
}

export type MaintenanceScheduleActivities = ReturnType<typeof createMaintenanceScheduleActivities>;
