/**
 * Local resource provider configs of one agent (ADD/UPDATE/REMOVE_RESOURCE_PROVIDER_CONFIG, spec §8) and the
 * providers they start (GET_RESOURCE_PROVIDERS).
 */
import { ApiError } from '../model/errors';
import type { Rng } from '../random';

/** A provider config as received (ResourceProviderInfo JSON). */
export type ProviderInfo = Record<string, unknown> & { type: string; name: string };

/** The agent's resource providers. */
export class ResourceProviders {
  readonly configs = new Map<string, ProviderInfo>();
  readonly ids = new Map<string, string>();
  readonly gone = new Set<string>();

  constructor(
    private readonly rng: Rng,
    private readonly agentId: string,
  ) {}

  private static key(type: string, name: string): string {
    return `${type}\u0000${name}`;
  }

  private validate(info: ProviderInfo): void {
    if (info.id !== undefined) throw new ApiError(400, 'Resource provider ID cannot be set');
    const problem =
      info.type !== 'org.apache.mesos.rp.local.storage'
        ? `unsupported resource provider type '${info.type}'`
        : info.storage === undefined
          ? "'ResourceProviderInfo.storage' is not set"
          : undefined;
    if (problem) throw new ApiError(400, `Failed to validate resource provider config with type '${info.type}' and name '${info.name}': ${problem}`);
  }

  /** ADD_RESOURCE_PROVIDER_CONFIG. @throws ApiError 400 invalid, 409 exists. */
  add(info: ProviderInfo): void {
    this.validate(info);
    const k = ResourceProviders.key(info.type, info.name);
    if (this.configs.has(k)) throw new ApiError(409, `Resource provider with type '${info.type}' and name '${info.name}' already exists`);
    this.configs.set(k, info);
    this.ids.set(k, `${this.rng.uuid()}-${this.agentId.slice(-4)}`);
  }

  /** UPDATE_RESOURCE_PROVIDER_CONFIG. @throws ApiError 400 invalid, 409 absent. */
  update(info: ProviderInfo): void {
    this.validate(info);
    const k = ResourceProviders.key(info.type, info.name);
    if (!this.configs.has(k)) throw new ApiError(409, `Resource provider with type '${info.type}' and name '${info.name}' does not exist`);
    this.configs.set(k, info);
  }

  /** REMOVE_RESOURCE_PROVIDER_CONFIG: idempotent. */
  remove(type: string, name: string): void {
    const k = ResourceProviders.key(type, name);
    this.configs.delete(k);
    this.ids.delete(k);
  }

  /** MARK_RESOURCE_PROVIDER_GONE. */
  markGone(id: string): void {
    this.gone.add(id);
    for (const [k, v] of this.ids) if (v === id) {
      this.ids.delete(k);
      this.configs.delete(k);
    }
  }

  /** GET_RESOURCE_PROVIDERS entries. */
  list(): Record<string, unknown>[] {
    return [...this.configs].map(([k, info]) => ({
      resource_provider_info: { ...info, id: { value: this.ids.get(k) ?? '' } },
      total_resources: [],
    }));
  }
}
