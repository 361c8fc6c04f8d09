/**
 * Shared helpers of the client ⇄ simulator tests: start a loopback simulator, build clients on it, await
 * conditions with a bounded poll, and check MesosErrors.
 */
import { isMesosError, MasterClient, type Agent, type MesosErrorCode, type Resource } from '../../../src/mesos';
import { startCluster, type SimCluster, type SimOptions } from '../../../src/sim';

/** A simulator on 127.0.0.1, any free port, seeded, with a fast clock unless told otherwise. */
export function startSim(opts: SimOptions = {}): Promise<SimCluster> {
  return startCluster({ host: '127.0.0.1', port: 0, seed: 11, timeScale: 100, agents: 4, tasksPerAgent: 2, ...opts });
}

/** A master client on every master of `sim` (leader first unless `masters` is given). */
export function clientFor(sim: SimCluster, extra: Partial<ConstructorParameters<typeof MasterClient>[0]> = {}): MasterClient {
  return new MasterClient({ masters: [sim.leader, ...sim.masters.filter((m) => m !== sim.leader)], timeoutMs: 15_000, ...extra });
}

/** Polls `cond` every few milliseconds until it holds. @throws Error naming `what` after `timeoutMs`. */
export async function until<T>(cond: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Asserts `p` rejects with a MesosError of `code` (and `status`, and Mesos's text containing `text`). */
export async function expectMesosError(p: Promise<unknown>, code: MesosErrorCode, status?: number, text?: string | RegExp): Promise<void> {
  const e = await rejection(p);
  if (!isMesosError(e)) throw new Error(`expected a MesosError, got ${String(e)}`);
  expect(e.code).toBe(code);
  if (status !== undefined) expect(e.status).toBe(status);
  if (text !== undefined) {
    if (typeof text === 'string') expect(e.mesosMessage).toContain(text);
    else expect(e.mesosMessage).toMatch(text);
  }
}

/** The id of a GET_AGENTS entry. */
export function idOf(a: Agent): string {
  const id = a.agent_info.id?.value;
  if (id === undefined) throw new Error('agent entry without id');
  return id;
}

/** The MachineID of a GET_AGENTS entry: hostname plus the ip of its pid `slave(1)@ip:port`. */
export function machineOf(a: Agent): { hostname: string; ip: string } {
  const m = /@([^:]+):\d+$/.exec(a.pid ?? '');
  if (!m?.[1]) throw new Error(`agent ${idOf(a)} has no pid`);
  return { hostname: a.agent_info.hostname, ip: m[1] };
}

/** Sum of the scalar `name` resources, optionally only those whose last reservation is for `role` (`*`: unreserved). */
export function scalarOf(resources: Resource[], name: string, role?: string): number {
  return resources
    .filter((r) => r.name === name)
    .filter((r) => {
      if (role === undefined) return true;
      const last = r.reservations[r.reservations.length - 1];
      return role === '*' ? last === undefined : last?.role === role;
    })
    .reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
}

/** A dynamic reservation for `role` by `principal`. */
export function dynamic(role: string, principal = 'ops'): { type: string; role: string; principal: string } {
  return { type: 'DYNAMIC', role, principal };
}
