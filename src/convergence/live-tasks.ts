/**
 * The non-terminal tasks of each agent, as the SUBSCRIBE stream tells them (the SUBSCRIBED snapshot, then
 * TASK_ADDED and TASK_UPDATED). The watcher uses it to recognise the terminal update of a draining agent's *last*
 * task, the one after which DRAINED is near. Pure; best effort: polling stays authoritative.
 */

import { isTerminalTaskState } from '../agents/vocabulary';

export interface TaskRef {
  taskId: string;
  agentId?: string;
  state?: string;
}

export class LiveTasks {
  private readonly byAgent = new Map<string, Set<string>>();
  private readonly agentOfTask = new Map<string, string>();

  /** Replaces everything with a snapshot (SUBSCRIBED's get_state.get_tasks). */
  reset(tasks: Iterable<TaskRef>): void {
    this.byAgent.clear();
    this.agentOfTask.clear();
    for (const t of tasks) this.update(t);
  }

  /**
   * Records a task's state (TASK_ADDED, TASK_UPDATED). Returns the task's agent id when known, and whether the
   * update was terminal and left the agent with no live task.
   */
  update(task: TaskRef): { agentId?: string; lastLiveEnded: boolean } {
    const agentId = task.agentId ?? this.agentOfTask.get(task.taskId);
    if (agentId === undefined) return { lastLiveEnded: false };
    if (isTerminalTaskState(task.state)) {
      this.agentOfTask.delete(task.taskId);
      const live = this.byAgent.get(agentId);
      live?.delete(task.taskId);
      if (live && live.size === 0) this.byAgent.delete(agentId);
      return { agentId, lastLiveEnded: !this.byAgent.has(agentId) };
    }
    this.agentOfTask.set(task.taskId, agentId);
    let live = this.byAgent.get(agentId);
    if (!live) {
      live = new Set();
      this.byAgent.set(agentId, live);
    }
    live.add(task.taskId);
    return { agentId, lastLiveEnded: false };
  }

  /** Live tasks of the agent, as far as the stream told. */
  liveCount(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }
}
