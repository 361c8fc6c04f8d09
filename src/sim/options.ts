/**
 * Options of a simulated cluster, with their defaults; the same schema validates `--config FILE`.
 */
import { z } from 'zod';
import { DenyRuleSchema } from './authz';
import { FaultConfigSchema } from './faults';

/** Schema of every option; CLI flags and the config file both end up here. */
export const SimOptionsSchema = z
  .object({
    agents: z.number().int().min(0).max(100_000).default(3),
    tasksPerAgent: z.number().int().min(0).max(1000).default(2),
    frameworks: z.number().int().min(0).max(1000).default(1),
    masters: z.number().int().min(1).max(9).default(1),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(0),
    timeScale: z.number().positive().default(1),
    seed: z.number().int().optional(),
    heartbeatIntervalSeconds: z.number().positive().default(15),
    credentials: z.array(z.object({ principal: z.string().min(1), secret: z.string() })).optional(),
    state: z.unknown().optional(),
    maintenanceSchedule: z.unknown().optional(),
    /**
     * Rehearsal, with `state`: saved GET_MAINTENANCE_STATUS (its DOWN machines), GET_QUOTA, GET_WEIGHTS, GET_FLAGS
     * (served as saved; `roles` is the whitelist) and GET_VERSION (served as saved) responses.
     */
    maintenanceStatus: z.unknown().optional(),
    quota: z.unknown().optional(),
    weights: z.unknown().optional(),
    flags: z.unknown().optional(),
    version: z.unknown().optional(),
    /**
     * How long a task takes to stop after SIGTERM, simulated seconds, per framework (by name or id), else `default`:
     * a number, or "grace" (it ignores SIGTERM and is killed at the end of its kill grace period). Unset: a seeded
     * draw from 0.2 to 4 s per task.
     */
    taskExitSeconds: z
      .object({
        default: z.union([z.number().min(0), z.literal('grace')]).optional(),
        frameworks: z.record(z.string(), z.union([z.number().min(0), z.literal('grace')])).default({}),
      })
      .strict()
      .optional(),
    /** Agents that get their own listening socket at start; the others open on demand (`openAgent`). */
    agentListenLimit: z.number().int().min(0).default(256),
    /** Simulated seconds before a machine's agent returns after STOP_MAINTENANCE. */
    agentReturnDelaySeconds: z.number().min(0).default(5),
    /** Simulated seconds a leader election takes during a failover (503 'No leader elected' meanwhile). */
    electionSeconds: z.number().min(0).default(1),
    /** Simulated seconds, on average, before each running agent re-registers with a new leader (recovered_agents meanwhile). */
    agentReregisterSeconds: z.number().min(0).default(1),
    /** Simulated seconds a restarted agent answers 503 'Agent has not finished recovery' (default 0). */
    agentRecoverySeconds: z.number().min(0).default(0),
    /** Simulated seconds the new leader spends recovering the registry (503 'Master has not finished recovery'). */
    recoverySeconds: z.number().min(0).default(0.5),
    /**
     * Simulated seconds an operator-API operation (RESERVE, CREATE_VOLUMES, ...) stays OPERATION_PENDING in
     * GET_OPERATIONS before the agent's terminal update removes it.
     */
    operationPendingSeconds: z.number().min(0).default(0.5),
    /** Mesos's default kill grace period, seconds. */
    defaultKillGraceSeconds: z.number().min(0).default(3),
    /** Whether "marathon" relaunches killed or lost tasks on other active agents (as a service scheduler does). */
    relaunchTasks: z.boolean().default(true),
    /** Fill the per-object JSON caches before reporting ready (a fast first GET_STATE on big clusters; slower start). */
    warmCaches: z.boolean().default(true),
    /** `--max_operator_event_stream_subscribers`: beyond it the oldest SUBSCRIBE stream is closed. */
    maxSubscribers: z.number().int().min(1).default(1000),
    /** Glog verbosity at start (GET_LOGGING_LEVEL). */
    loggingLevel: z.number().int().min(0).default(0),
    /**
     * MOUNT disks of every seeded agent, sizes in MB: `disk` resources with `disk.source` MOUNT at `/mnt/disk<i>`,
     * each used whole (a MOUNT disk is never split), beside the ROOT disk.
     */
    mountDisksMb: z.array(z.number().positive()).default([]),
    /** `--roles` whitelist; absent = any role. */
    roles: z.array(z.string()).optional(),
    faults: FaultConfigSchema.optional(),
    /** Authorization: call types denied (403) to a principal, or to everyone when `principal` is absent. */
    deny: z.array(DenyRuleSchema).optional(),
    /** Folder for agent sandboxes and logs (default: a new folder under os.tmpdir()). */
    workDir: z.string().optional(),
  })
  .strict();

/** Options accepted by `startCluster` (every field optional). */
export type SimOptions = z.input<typeof SimOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedSimOptions = z.output<typeof SimOptionsSchema>;
