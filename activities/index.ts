import { createAgentActivities, type AgentActivityDeps } from './agents';

export type ActivityDeps = AgentActivityDeps;

/** Every activity of the worker, built from its dependencies in one place (style.md principle 2). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createAgentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './types';
