import type { z } from 'zod';
import { agentMaintenanceInputSchema } from './agentMaintenance';
import { drainAgentInputSchema } from './drainAgent';

/** One runbook as the start paths (CLI, chat, schedules) and docs see it. */
export interface CatalogEntry {
  name: string;
  summary: string;
  destructive: boolean;
  /** Approval by default; the configuration's policy can force it for any runbook. */
  approvalByDefault: boolean;
  inputSchema: z.ZodType;
  /** The business key of a run, for its workflow id. */
  target: (input: Record<string, unknown>) => string;
}

export const catalog = {
  drainAgent: {
    name: 'drainAgent',
    summary: 'Drain one agent: kill its tasks (within a grace period), wait until Mesos reports DRAINED, optionally reactivate.',
    destructive: true,
    approvalByDefault: false,
    inputSchema: drainAgentInputSchema,
    target: (input) => String(input.agentId ?? input.hostname),
  },
  agentMaintenance: {
    name: 'agentMaintenance',
    summary:
      'Maintenance of one agent\'s machine: drain → DRAINED → schedule window → START_MAINTENANCE → work (`complete`) → STOP_MAINTENANCE → agent back → reactivate → verify.',
    destructive: true,
    approvalByDefault: false,
    inputSchema: agentMaintenanceInputSchema,
    target: (input) => String(input.agentId ?? input.hostname),
  },
} satisfies Record<string, CatalogEntry>;

export type RunbookName = keyof typeof catalog;
export const runbookNames = Object.keys(catalog) as RunbookName[];
