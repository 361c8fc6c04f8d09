import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contracts/ids';

import { SecretRefSchema } from './secret-ref';
import { ChatopsSchema, NotificationsSchema, SchedulesSchema } from './triggers';

export { SecretRefSchema, type SecretRef } from './secret-ref';

export const MesosCredentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('basic'), principal: z.string().min(1), secret: SecretRefSchema }).strict(),
  z.object({ kind: z.literal('bearer'), token: SecretRefSchema }).strict(),
]);

export const TlsFilesSchema = z
  .object({
    caFile: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    serverName: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().optional(),
  })
  .strict()
  .refine((tls) => Boolean(tls.certFile) === Boolean(tls.keyFile), {
    message: 'certFile and keyFile go together: give both for a client certificate, or neither',
  });

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), { message: 'a master URL starts with http:// or https://' });

export const ClusterSchema = z
  .object({
    masters: z.array(httpUrl).min(1, 'list at least one master URL, e.g. http://mesos-master-1:5050'),
    credentials: MesosCredentialsSchema.optional(),
    tls: TlsFilesSchema.optional(),
    timeoutSeconds: z.number().positive().max(3600).default(30),
    /** Hosts a 307 may send credentials to besides the configured masters. */
    allowedRedirectHosts: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ClusterConfig = z.infer<typeof ClusterSchema>;

const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 letters, digits, ".", "_" or "-" (it is written into every payload)');

/**
 * Payload encryption (src/temporal/codec.ts): the active key encrypts, every listed key decrypts, so a rotation adds a
 * new active key and moves the old one to `decryptOnlyKeys`. Keys by reference only: 32 bytes as hex or base64.
 */
export const EncryptionSchema = z
  .object({
    keyId,
    key: SecretRefSchema,
    decryptOnlyKeys: z.array(z.object({ keyId, key: SecretRefSchema }).strict()).default([]),
  })
  .strict()
  .superRefine((e, ctx) => {
    const ids = [e.keyId, ...e.decryptOnlyKeys.map((k) => k.keyId)];
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: i === 0 ? ['keyId'] : ['decryptOnlyKeys', i - 1, 'keyId'], message: `key id '${id}' is listed twice` });
    });
  });

export const TemporalSchema = z
  .object({
    address: z.string().min(1).default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    tls: TlsFilesSchema.optional(),
    apiKey: SecretRefSchema.optional(),
    /** Web UI base URL, for links in progress lines and chat messages. */
    uiUrl: z.string().url().optional(),
    /** Encrypt payloads (worker and clients); absent = plain JSON payloads. */
    encryption: EncryptionSchema.optional(),
    /** The worker's sizing (docs/production.md); absent: the SDK's defaults. */
    worker: z
      .object({
        /** Runs kept in the worker's memory between their tasks (the SDK's default grows with the heap). */
        maxCachedWorkflows: z.number({ error: 'must be a whole number of runs' }).int('must be a whole number of runs').min(0, 'must be 0 or more').optional(),
        /** Activities at once (Mesos calls, waits for leases, webhooks); the SDK's default is 100. */
        maxConcurrentActivityTaskExecutions: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').optional(),
        /** Workflow tasks at once; the SDK's default is 40. */
        maxConcurrentWorkflowTaskExecutions: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(2, 'must be at least 2').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const approvalRules = {
  /** Who may approve; empty = anyone who can send an Update to the run. */
  approvers: z.array(z.string().min(1)).optional(),
  /** Four eyes: the run's initiator may not approve it. */
  fourEyes: z.boolean({ error: 'must be true or false' }).optional(),
  /** How many distinct approvers each approval needs. */
  requiredApprovals: z.number({ error: 'must be a whole number from 1 to 10' }).int('must be a whole number from 1 to 10').min(1, 'must be at least 1').max(10, 'must be at most 10').optional(),
};

export const PolicySchema = z
  .object({
    ...approvalRules,
    approvers: approvalRules.approvers.default([]),
    fourEyes: approvalRules.fourEyes.default(false),
    requiredApprovals: approvalRules.requiredApprovals.default(1),
    /** Runbooks that always wait for approval, whatever their input says. */
    alwaysRequireApproval: z.array(z.string().min(1)).default([]),
    /** Per-runbook rules, over the ones above: `runbooks: { agentMaintenance: { requiredApprovals: 2 } }`. */
    runbooks: z.record(z.string().min(1), z.object(approvalRules).strict()).default({}),
  })
  .strict();
export type PolicyConfig = z.infer<typeof PolicySchema>;

const bindAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'a bind address is host:port, e.g. 127.0.0.1:9464 or 0.0.0.0:9464')
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, { message: 'the port is 0-65535' });

/** Prometheus metrics, OpenTelemetry traces and structured logs (src/observability/, docs/production.md). */
export const ObservabilitySchema = z
  .object({
    metrics: z
      .object({
        /** Where the worker serves `GET /metrics`: its own metrics and the Temporal SDK's runtime metrics together. */
        bindAddress,
        /** Where the SDK's own exporter listens (it is read and merged into /metrics); default 127.0.0.1 and a free port. */
        sdkBindAddress: bindAddress.optional(),
        /** Also report the cluster-wide gauges (waits, leases), read from the entity workflows at each scrape. */
        clusterGauges: z.boolean().default(true),
      })
      .strict()
      .optional(),
    tracing: z
      .object({
        /** OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces. */
        otlpEndpoint: z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'an OTLP endpoint starts with http:// or https://' }),
        /** Extra headers for the collector (e.g. an API key), each by reference. */
        headers: z.record(z.string().min(1), SecretRefSchema).default({}),
        serviceName: z.string().min(1).default('mesos-runbooks-worker'),
      })
      .strict()
      .optional(),
    logging: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

/** `mesos-runbooks codec-server`: decodes and encodes payloads for the Web UI (src/temporal/codec-server.ts). */
export const CodecServerSchema = z
  .object({
    bindAddress: bindAddress.default('127.0.0.1:8888'),
    /** Origins allowed to call it (CORS): the Web UI's, e.g. http://localhost:8080. */
    corsOrigins: z.array(z.string().url().refine((u) => new URL(u).origin === u.replace(/\/$/, ''), { message: 'an origin is scheme://host[:port], no path' })).default([]),
  })
  .strict();

const clusterName = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'cluster names are lower-case letters, digits, "_", "." and "-"');

export const ConfigSchema = z
  .object({
    temporal: TemporalSchema.default(TemporalSchema.parse({})),
    clusters: z.record(clusterName, ClusterSchema).refine((c) => Object.keys(c).length > 0, {
      message: 'define at least one cluster, e.g. clusters: { default: { masters: [http://127.0.0.1:5050] } }',
    }),
    policy: PolicySchema.default(PolicySchema.parse({})),
    observability: ObservabilitySchema.default(ObservabilitySchema.parse({})),
    codecServer: CodecServerSchema.default(CodecServerSchema.parse({})),
    /** The chat bot (docs/chatops.md), scheduled runs and windows (docs/schedules.md), notifications (docs/notifications.md). */
    chatops: ChatopsSchema.optional(),
    schedules: SchedulesSchema.default([]),
    notifications: NotificationsSchema.default(NotificationsSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
