// The workflow bundle's entry: every runbook and building block the worker serves.
export { drainAgent } from './drainAgent';
export { agentMaintenance } from './agentMaintenance';
export { maintenanceScheduleOwner } from '../workflows/maintenance-schedule-owner';
export { clusterWatcher } from '../workflows/cluster-watcher';
export { agentLock } from '../workflows/agent-lock';
