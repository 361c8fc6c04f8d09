/**
 * Fault injection, seeded and reproducible: latency, an error status at a rate per call type, connection resets,
 * stalled responses, dropped streams, and "applied but the response was lost" for mutating calls.
 * Latency and stalls are real time (they are network behaviour); leader failovers are scheduled in ha.ts.
 */
import { z } from 'zod';
import { Rng } from './random';

/** One fault rule; `calls` limits it to call types (all calls when absent), `api` to masters or agents. */
export const FaultRuleSchema = z.object({
  calls: z.array(z.string()).optional(),
  api: z.enum(['master', 'agent', 'any']).default('any'),
  /** Added delay before answering, real milliseconds. */
  latencyMs: z.number().min(0).default(0),
  /** Probability of answering `errorStatus` instead of handling the call. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(503),
  errorBody: z.string().optional(),
  /** Probability of resetting the connection without an answer (the call is not applied). */
  resetRate: z.number().min(0).max(1).default(0),
  /** Probability of never answering (the socket stays open until the client gives up). */
  stallRate: z.number().min(0).max(1).default(0),
  /** Probability, for mutating calls, of applying the call and then resetting the connection. */
  responseLostRate: z.number().min(0).max(1).default(0),
  /** SUBSCRIBE / streaming responses are cut after this many real milliseconds. */
  dropStreamAfterMs: z.number().min(0).optional(),
});

/** A fault rule (input form). */
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
/** A fault rule (parsed). */
export type FaultRule = z.output<typeof FaultRuleSchema>;

/** The faults configuration: rules plus an optional failover schedule. */
export const FaultConfigSchema = z.object({
  rules: z.array(FaultRuleSchema).default([]),
  /** Fail the leader over every this many simulated seconds. */
  failoverEverySeconds: z.number().positive().optional(),
});
/** Fault configuration (input form). */
export type FaultConfigInput = z.input<typeof FaultConfigSchema>;

/** What to do with one request. */
export interface FaultDecision {
  latencyMs: number;
  error?: { status: number; body: string };
  reset: boolean;
  stall: boolean;
  responseLost: boolean;
  dropStreamAfterMs?: number;
}

/** The fault injector. */
export class Faults {
  private rules: FaultRule[] = [];
  private rng: Rng;
  failoverEverySeconds: number | undefined;
  /** Called when the failover schedule changes. */
  onScheduleChange?: () => void;

  constructor(seed: number) {
    this.rng = new Rng(seed ^ 0x5eed);
  }

  /** Replaces the configuration. @throws ZodError on invalid input. */
  set(config: FaultConfigInput): void {
    const parsed = FaultConfigSchema.parse(config);
    this.rules = parsed.rules;
    this.failoverEverySeconds = parsed.failoverEverySeconds;
    this.onScheduleChange?.();
  }

  /** Adds one rule. */
  add(rule: FaultRuleInput): void {
    this.rules.push(FaultRuleSchema.parse(rule));
  }

  /** Removes every rule and the failover schedule. */
  clear(): void {
    this.rules = [];
    this.failoverEverySeconds = undefined;
    this.onScheduleChange?.();
  }

  /** The current configuration. */
  get(): { rules: FaultRule[]; failoverEverySeconds?: number } {
    return { rules: this.rules.map((r) => ({ ...r })), ...(this.failoverEverySeconds !== undefined ? { failoverEverySeconds: this.failoverEverySeconds } : {}) };
  }

  /** Decides the faults for one call. Draws happen in request order, so a seeded run repeats. */
  decide(api: 'master' | 'agent', call: string, mutating: boolean): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, reset: false, stall: false, responseLost: false };
    for (const r of this.rules) {
      if (r.api !== 'any' && r.api !== api) continue;
      if (r.calls && !r.calls.includes(call)) continue;
      d.latencyMs += r.latencyMs;
      if (r.dropStreamAfterMs !== undefined) d.dropStreamAfterMs = r.dropStreamAfterMs;
      if (!d.error && this.rng.chance(r.errorRate)) d.error = { status: r.errorStatus, body: r.errorBody ?? defaultBody(r.errorStatus) };
      if (this.rng.chance(r.resetRate)) d.reset = true;
      if (this.rng.chance(r.stallRate)) d.stall = true;
      if (mutating && this.rng.chance(r.responseLostRate)) d.responseLost = true;
    }
    return d;
  }
}

/**
 * Waits out a decision's injected latency. The timer does not hold the process open: a client that gave up and a
 * simulator that was stopped must not keep a test run alive for the rest of the delay.
 */
export function injectLatency(d: FaultDecision): Promise<void> {
  if (d.latencyMs <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, d.latencyMs).unref());
}

function defaultBody(status: number): string {
  if (status === 503) return 'Service Unavailable (injected fault)';
  if (status === 500) return 'Internal Server Error (injected fault)';
  return `Injected fault ${status}`;
}
