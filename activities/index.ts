import type { Client } from '@temporalio/client';
import type { ClusterRegistry } from '../src/clusters';
import type { Config } from '../src/config';
import { createAgentLockActivities } from './agent-lock';
import { createAgentActivities } from './agents';
import { createImageActivities } from './images';
import { createMaintenanceActivities } from './maintenance';
import { createMaintenanceScheduleActivities } from './maintenance-schedule';
import { createFleetActivities } from './fleet';
import { createPreflightActivities } from './preflight';
import { createQuotaActivities } from './quota';
import { createResourceActivities } from './resources';
import { createScheduleActivities } from './schedules';
import { createSettingsActivities, type SettingsActivityDeps } from './settings';
import { createWatchActivities } from './watch';

export interface ActivityDeps {
  clusters: ClusterRegistry;
  policy: Config['policy'];
  /** A rehearsal's speed: runs' own timers go this much faster (default 1). */
  timeScale?: number;
  /** A Temporal client and the task queue, for activities that talk to the per-cluster entity workflows. */
  temporal: { client: Client; taskQueue: string };
  /** Notification targets and what links to runs need (none: runs send no notifications). */
  notifications?: SettingsActivityDeps['notifications'];
}

/** Every activity of the worker, built from its dependencies in one place (style.md principle 2). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createAgentActivities(deps),
    ...createPreflightActivities(deps),
    ...createFleetActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createMaintenanceScheduleActivities(deps),
    ...createWatchActivities(deps),
    ...createAgentLockActivities(deps),
    ...createResourceActivities(deps),
    ...createQuotaActivities(deps),
    ...createImageActivities(deps),
    ...createSettingsActivities(deps),
    ...createScheduleActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './types';
