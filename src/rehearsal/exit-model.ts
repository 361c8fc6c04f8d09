/**
 * How long a task takes to stop once it is killed, which a snapshot cannot tell: its kill grace period is saved
 * (`kill_policy.grace_period`, else Mesos's default 3 s; a drain's `max_grace_period` caps it), but whether it
 * stops at SIGTERM or waits for SIGKILL depends on the workload. The rehearsal models it per framework and says so in
 * its report; the simulator applies it (`taskExitSeconds`, src/sim/options.ts).
 */
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';

const ExitTime = z.union([z.number().min(0, 'must be 0 or more seconds'), z.literal('grace')], { error: 'must be a number of seconds or "grace"' });

/** Per framework (by name or id), else `default`: seconds after SIGTERM, or "grace" (killed at its grace period's end). */
export const ExitModelSchema = z
  .object({
    default: ExitTime.default('grace'),
    frameworks: z.record(z.string().min(1), ExitTime).default({}),
  })
  .strict();
export type ExitModel = z.infer<typeof ExitModelSchema>;

/** Without `--exit-times`: every task waits for SIGKILL at the end of its grace period, the longest a kill can take. */
export const DEFAULT_EXIT_MODEL: ExitModel = { default: 'grace', frameworks: {} };

/** Mesos's kill grace period for a task without its own (`Slave::killTask`). */
export const MESOS_DEFAULT_GRACE_SECONDS = 3;

/** Parses `--exit-times` (JSON text). Throws an INVALID_INPUT error naming each bad field. */
export function parseExitModel(text: string): ExitModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw Object.assign(new Error(`--exit-times: not valid JSON: ${(err as Error).message}`), { code: 'INVALID_INPUT' });
  }
  const parsed = ExitModelSchema.safeParse(raw);
  if (!parsed.success) throw Object.assign(new Error(`--exit-times: ${formatIssues(parsed.error).join('; ')} (e.g. {"default":"grace","frameworks":{"marathon":5}})`), { code: 'INVALID_INPUT' });
  return parsed.data;
}

/** One framework of the snapshot under the model: its tasks, their grace periods, and how long a kill takes. */
export interface FrameworkExitRow {
  framework: string;
  frameworkId: string;
  tasks: number;
  /** The tasks' kill grace periods, seconds (Mesos's default 3 s for tasks without one). */
  graceSeconds: { min: number; max: number };
  /** After SIGTERM, seconds; "grace": the task waits for SIGKILL. */
  exitAfterSigterm: number | 'grace';
  /** How long a kill takes under the model (before any drain's max_grace_period cap), seconds. */
  killSeconds: { min: number; max: number };
}

interface StateForModel {
  get_frameworks?: { frameworks?: { framework_info: { id: { value: string }; name: string } }[] };
  get_tasks?: { tasks?: { framework_id: { value: string }; state: string; kill_policy?: { grace_period?: { nanoseconds: unknown } } }[] };
}

/**
 * A task's kill grace period in a drain (`Slave::drain`): its own (else Mesos's default 3 s); with the drain's
 * `max_grace_period`, that when the task's own is larger or unset.
 */
export function drainGraceSeconds(own: number | undefined, maxGraceSeconds?: number): number {
  if (maxGraceSeconds === undefined) return own ?? MESOS_DEFAULT_GRACE_SECONDS;
  return own === undefined || own > maxGraceSeconds ? maxGraceSeconds : own;
}

/**
 * The model applied to a snapshot's GET_STATE: one row per framework with live tasks, for the report. With
 * `maxGraceSeconds` (the drain's max_grace_period), the grace periods are those a drain kills with.
 */
export function exitRows(model: ExitModel, getState: unknown, maxGraceSeconds?: number): FrameworkExitRow[] {
  const state = ((getState as { get_state?: StateForModel }).get_state ?? getState) as StateForModel;
  const names = new Map((state.get_frameworks?.frameworks ?? []).map((f) => [f.framework_info.id.value, f.framework_info.name]));
  const byFramework = new Map<string, number[]>();
  for (const task of state.get_tasks?.tasks ?? []) {
    if (!['TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING', 'TASK_KILLING'].includes(task.state)) continue;
    const ns = task.kill_policy?.grace_period?.nanoseconds;
    const grace = drainGraceSeconds(ns === undefined ? undefined : Number(String(ns)) / 1e9, maxGraceSeconds);
    const list = byFramework.get(task.framework_id.value) ?? [];
    list.push(grace);
    byFramework.set(task.framework_id.value, list);
  }
  return [...byFramework.entries()]
    .map(([id, graces]) => {
      const name = names.get(id) ?? id;
      const exit = model.frameworks[id] ?? model.frameworks[name] ?? model.default;
      const kill = graces.map((g) => (exit === 'grace' ? g : Math.min(exit, g)));
      return {
        framework: name,
        frameworkId: id,
        tasks: graces.length,
        graceSeconds: { min: Math.min(...graces), max: Math.max(...graces) },
        exitAfterSigterm: exit,
        killSeconds: { min: Math.min(...kill), max: Math.max(...kill) },
      };
    })
    .sort((a, b) => a.framework.localeCompare(b.framework));
}

/** The model in one sentence, for the report. */
export function describeExitModel(model: ExitModel): string {
  const one = (v: number | 'grace') => (v === 'grace' ? 'ignore SIGTERM and are killed at the end of their kill grace period' : `stop ${v} s after SIGTERM (or at the end of their grace period, if shorter)`);
  const own = Object.entries(model.frameworks).map(([f, v]) => `tasks of ${f} ${one(v)}`);
  return `${[...own, `${own.length ? 'other tasks' : 'all tasks'} ${one(model.default)}`].join('; ')} (a drain's max_grace_period replaces a task's grace period when that is longer or unset; Mesos's default is ${MESOS_DEFAULT_GRACE_SECONDS} s)`;
}
