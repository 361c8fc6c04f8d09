/**
 * The Temporal floor of the fleet benchmark (bench/fleet.ts): the least any design with one child run per machine
 * must cost on this server. The parent starts the roll's batches in the same order under the same rule (a batch
 * starts when it fits whole under maxConcurrent); each child runs `activities` activities, one of which sleeps as long
 * as Mesos took to drain that machine. No Mesos, no entity workflows, no progress: only Temporal's own work.
 */
import { condition, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

const { floorWork } = proxyActivities<{ floorWork(ms: number): Promise<void> }>({ startToCloseTimeout: '5 minutes' });

export interface FloorRollInput {
  /** Per batch, each machine's drain time in ms. */
  batches: number[][];
  maxConcurrent: number;
  /** Activities per child (one sleeps the drain time, the others return at once). */
  activities: number;
}

export async function floorRoll(input: FloorRollInput): Promise<number> {
  let running = 0;
  let n = 0;
  const children: Promise<void>[] = [];
  for (const batch of input.batches) {
    await condition(() => running + batch.length <= Math.max(input.maxConcurrent, batch.length));
    for (const ms of batch) {
      running += 1;
      const child = executeChild(floorMachine, { workflowId: `${workflowInfo().workflowId}/m${n++}`, args: [ms, input.activities] });
      children.push(child.finally(() => (running -= 1)));
    }
  }
  await Promise.all(children);
  return n;
}

export async function floorMachine(ms: number, activities: number): Promise<void> {
  for (let i = 0; i < activities; i++) await floorWork(i === 0 ? ms : 0);
}
