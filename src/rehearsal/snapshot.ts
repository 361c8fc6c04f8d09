/**
 * A snapshot: what a rehearsal needs from a real cluster, saved as its masters answered (docs/rehearsal.md). One
 * folder, one file per call (`{"type": ..., "<call>": ...}` with exact int64, as Mesos writes it) and a manifest.
 * Taken with the cluster's configured client (src/clusters.ts: its credentials, TLS, leader following); never with a
 * credential written: the configured secrets are scrubbed from every value, and the manifest names no secret.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ClusterRegistry } from '../clusters';
import { resolveSecret, type Config } from '../config';
import { parseJson, stringifyJson } from '../sim/json';
import { redactResponse, type RedactionCounts } from './redact';

/** The calls a snapshot saves, and the file each goes to. */
export const SNAPSHOT_FILES = {
  GET_STATE: 'get-state.json',
  GET_MAINTENANCE_SCHEDULE: 'get-maintenance-schedule.json',
  GET_MAINTENANCE_STATUS: 'get-maintenance-status.json',
  GET_QUOTA: 'get-quota.json',
  GET_WEIGHTS: 'get-weights.json',
  GET_FLAGS: 'get-flags.json',
  GET_VERSION: 'get-version.json',
} as const;
export type SnapshotCall = keyof typeof SNAPSHOT_FILES;
export const SNAPSHOT_CALLS = Object.keys(SNAPSHOT_FILES) as SnapshotCall[];
export const MANIFEST_FILE = 'snapshot.json';
export const SNAPSHOT_FORMAT = 'mesos-runbooks-snapshot/1';

export const ManifestSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT, { error: `must be ${SNAPSHOT_FORMAT}` }),
  cluster: z.string(),
  takenAt: z.string(),
  /** The masters asked (origins only: no user information, no path). */
  masters: z.array(z.string()),
  /** The master that answered (the leader). */
  leader: z.string().optional(),
  mesosVersion: z.string().optional(),
  /** The principal the cluster's credentials authenticate as (basic credentials): reservations are made as it. */
  principal: z.string().optional(),
  /** Whether environments, labels and command lines were stripped (`--redact`). */
  redacted: z.boolean(),
  /** What was removed or scrubbed, and how many times. */
  redactions: z.record(z.string(), z.number()),
  counts: z.object({ agents: z.number(), frameworks: z.number(), tasks: z.number(), downMachines: z.number(), scheduledMachines: z.number() }),
  files: z.record(z.string(), z.string()),
});
export type SnapshotManifest = z.infer<typeof ManifestSchema>;

/** A snapshot read back: its manifest and each saved response (parsed with exact int64). */
export interface Snapshot {
  dir: string;
  manifest: SnapshotManifest;
  responses: Record<SnapshotCall, unknown>;
}

/** A snapshot that cannot be taken or read: `code` SNAPSHOT_INVALID (a refusal, exit 2) or the Mesos client's. */
export class SnapshotError extends Error {
  readonly code = 'SNAPSHOT_INVALID';
}

export interface TakeSnapshotOptions {
  config: Config;
  cluster: string;
  /** The folder to write (created; an existing snapshot in it is refused). */
  outDir: string;
  /** Strip environments, labels and command lines (default true). */
  redact?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Where a snapshot goes without `-o`: `snapshots/<cluster>-<UTC time>` in the current folder. */
export function defaultSnapshotDir(cluster: string, now = new Date()): string {
  return path.resolve('snapshots', `${cluster}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
}

/**
 * Reads the seven responses from the cluster's leading master and writes them with the manifest. Throws
 * {@link SnapshotError} for an unknown cluster or a folder that already holds a snapshot, and the client's
 * `MesosError` (its code: CONNECTION, MESOS_UNAUTHORIZED, ...) when a call fails: then nothing is written.
 */
export async function takeSnapshot(options: TakeSnapshotOptions): Promise<Snapshot> {
  const { config, cluster, outDir } = options;
  const clusterConfig = config.clusters[cluster];
  if (!clusterConfig) throw new SnapshotError(`--cluster: unknown cluster '${cluster}' (configured: ${Object.keys(config.clusters).join(', ')})`);
  if (existsSync(path.join(outDir, MANIFEST_FILE))) throw new SnapshotError(`-o: ${outDir} already holds a snapshot; give another folder`);
  const env = options.env ?? process.env;
  const secrets = configuredSecrets(clusterConfig, env);
  const registry = new ClusterRegistry({ [cluster]: clusterConfig }, env);
  const master = registry.master(cluster);
  let raw: Record<SnapshotCall, unknown>;
  try {
    // GET_STATE first: the other reads describe the same moment as closely as the calls allow.
    const state = await master.getState();
    const [schedule, status, quota, weights, flags, version] = await Promise.all([
      master.getMaintenanceSchedule(),
      master.getMaintenanceStatus(),
      master.getQuota(),
      master.getWeights(),
      master.getFlags(),
      master.getVersion(),
    ]);
    raw = { GET_STATE: state, GET_MAINTENANCE_SCHEDULE: schedule, GET_MAINTENANCE_STATUS: status, GET_QUOTA: quota, GET_WEIGHTS: weights, GET_FLAGS: flags, GET_VERSION: version };
  } finally {
    await registry.close();
  }
  const leader = master.leader ? origin(master.leader) : undefined;
  const redact = options.redact ?? true;
  const counts: RedactionCounts = {};
  const responses = Object.fromEntries(
    SNAPSHOT_CALLS.map((call) => [call, { type: call, [call.toLowerCase()]: redactResponse(raw[call], { workload: redact, secrets }, counts) }]),
  ) as Record<SnapshotCall, unknown>;
  const state = raw.GET_STATE as { get_agents?: { agents?: unknown[] }; get_frameworks?: { frameworks?: unknown[] }; get_tasks?: { tasks?: unknown[] } };
  const status = raw.GET_MAINTENANCE_STATUS as { status?: { down_machines?: unknown[]; draining_machines?: unknown[] } };
  const version = raw.GET_VERSION as { version_info?: { version?: string } };
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    cluster,
    takenAt: (options.now?.() ?? new Date()).toISOString(),
    masters: clusterConfig.masters.map(origin),
    ...(leader ? { leader } : {}),
    ...(version.version_info?.version ? { mesosVersion: version.version_info.version } : {}),
    ...(clusterConfig.credentials?.kind === 'basic' ? { principal: clusterConfig.credentials.principal } : {}),
    redacted: redact,
    redactions: counts,
    counts: {
      agents: state.get_agents?.agents?.length ?? 0,
      frameworks: state.get_frameworks?.frameworks?.length ?? 0,
      tasks: state.get_tasks?.tasks?.length ?? 0,
      downMachines: status.status?.down_machines?.length ?? 0,
      scheduledMachines: (status.status?.down_machines?.length ?? 0) + (status.status?.draining_machines?.length ?? 0),
    },
    files: { ...SNAPSHOT_FILES },
  };
  mkdirSync(outDir, { recursive: true });
  for (const call of SNAPSHOT_CALLS) writeFileSync(path.join(outDir, SNAPSHOT_FILES[call]), `${stringifyJson(responses[call])}\n`);
  writeFileSync(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: outDir, manifest, responses };
}

/** Reads a snapshot folder. Throws {@link SnapshotError} naming the file and the problem. */
export function readSnapshot(dir: string): Snapshot {
  const read = (file: string): unknown => {
    const where = path.join(dir, file);
    let text: string;
    try {
      text = readFileSync(where, 'utf8');
    } catch (err) {
      throw new SnapshotError(`--snapshot: cannot read ${where} (${(err as NodeJS.ErrnoException).code ?? 'error'}); take one with: mesos-runbooks snapshot --cluster <name> -o ${dir}`);
    }
    try {
      return parseJson(text);
    } catch (err) {
      throw new SnapshotError(`--snapshot: ${where} is not JSON: ${(err as Error).message}`);
    }
  };
  const parsed = ManifestSchema.safeParse(read(MANIFEST_FILE));
  if (!parsed.success) throw new SnapshotError(`--snapshot: ${path.join(dir, MANIFEST_FILE)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
  const responses = Object.fromEntries(SNAPSHOT_CALLS.map((call) => [call, read(SNAPSHOT_FILES[call])])) as Record<SnapshotCall, unknown>;
  return { dir, manifest: parsed.data, responses };
}

/** The cluster's configured secret values (to scrub); a reference that does not resolve has nothing to scrub. */
function configuredSecrets(cluster: Config['clusters'][string], env: NodeJS.ProcessEnv): string[] {
  const refs = cluster.credentials?.kind === 'basic' ? [cluster.credentials.secret] : cluster.credentials?.kind === 'bearer' ? [cluster.credentials.token] : [];
  const out: string[] = [];
  for (const ref of refs) {
    try {
      out.push(resolveSecret(ref, env));
    } catch {
      // unresolvable: the client fails on it first
    }
  }
  return out;
}

/** scheme://host:port of a URL, without user information or path. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
