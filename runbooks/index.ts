// The workflow bundle's entry: every runbook and building block the worker serves.
export { drainAgent } from './drainAgent';
