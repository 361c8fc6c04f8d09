/**
 * The master's operator event bus (include/mesos/v1/master/master.proto `Event`). The model publishes events
 * here exactly when real Mesos does (spec §3); SUBSCRIBE streams listen.
 */

/** One master event as its JSON object (`{type, <type_lower>: {...}}`). */
export interface MasterEvent {
  type: 'TASK_ADDED' | 'TASK_UPDATED' | 'AGENT_ADDED' | 'AGENT_REMOVED' | 'FRAMEWORK_ADDED' | 'FRAMEWORK_UPDATED' | 'FRAMEWORK_REMOVED';
  /** Builds the JSON object lazily (only when someone listens). */
  build(): Record<string, unknown>;
}

/** A listener; returns nothing. */
export type EventListener = (event: MasterEvent) => void;

/** A minimal synchronous publish/subscribe bus. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Adds a listener and returns its removal function. */
  listen(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Number of listeners (the open SUBSCRIBE streams). */
  get size(): number {
    return this.listeners.size;
  }

  /** Publishes an event to every listener. */
  publish(event: MasterEvent): void {
    for (const fn of [...this.listeners]) fn(event);
  }
}
