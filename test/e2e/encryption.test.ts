import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { ClusterRegistry } from '../../src/clusters';
import { parseConfig, type Config } from '../../src/config';
import { startCluster, type SimCluster } from '../../src/sim';
import { resolveTemporalBinary } from '../../src/temporal/cli-binary';
import { dataConverterFor, payloadToJson } from '../../src/temporal/codec';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { freePort } from '../../src/temporal/free-port';
import { RunbookClient } from '../../src/temporal/control';
import { createRunbookWorker, type RunbookWorker } from '../../src/worker';
import { eventually } from '../helpers/runbook-env';
import { testWorkerConnection, uniqueName } from '../helpers/temporal';

// Payload encryption end to end on a dev server of its own whose Web UI is pointed at our codec server
// (--ui-codec-endpoint): plain inputs from the temporal CLI still work, histories hold only ciphertext, the codec
// server decodes for the CLI (--codec-endpoint) and for the UI's origin (CORS), and a key rotation keeps old runs
// readable.
const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('hex');
const keyEnv = { ...process.env, MR_TEST_KEY_1: k1, MR_TEST_KEY_2: k2 };
const cluster = 'enc';

let dir: string;
let server: DevServer;
let sim: SimCluster;
let connection: NativeConnection;
let rawClient: Client;
let temporalCli: string;
let taskQueue: string;
let uiOrigin: string;
let codecUrlV1: string;
const children: ChildProcess[] = [];
const encryptionV1 = { keyId: 'k1', key: { env: 'MR_TEST_KEY_1' } };
const encryptionV2 = { keyId: 'k2', key: { env: 'MR_TEST_KEY_2' }, decryptOnlyKeys: [{ keyId: 'k1', key: { env: 'MR_TEST_KEY_1' } }] };

function configWith(encryption: object, uiOrigin: string): Config {
  return parseConfig({
    temporal: { address: server.address, namespace: server.namespace, taskQueue, encryption },
    clusters: { [cluster]: { masters: sim.masters } },
    codecServer: { bindAddress: '127.0.0.1:0', corsOrigins: [uiOrigin] },
  });
}

/** `mesos-runbooks codec-server` as a process of its own, with the keys in its environment; resolves with its URL. */
async function codecServerProcess(config: Config): Promise<string> {
  const file = path.join(dir, `codec-${children.length}.json`);
  writeFileSync(file, JSON.stringify({ ...config, clusters: { [cluster]: { masters: sim.masters } } }));
  const child = spawn(process.execPath, [path.join(root, 'bin/mesos-runbooks.js'), '--config', file, 'codec-server'], { env: keyEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await eventually('the codec server to listen', () => /codec server (http:\S+)/.test(out) || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`codec-server exited: ${err}`);
  return /codec server (http:\S+)/.exec(out)![1];
}

async function clientWith(encryption: object | undefined): Promise<Client> {
  const dataConverter = encryption ? dataConverterFor(parseConfig({ clusters: { x: { masters: ['http://127.0.0.1:1'] } }, temporal: { encryption } }).temporal.encryption, keyEnv) : undefined;
  return new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace, ...(dataConverter ? { dataConverter } : {}) });
}

function temporalCmd(args: string[]): Promise<{ stdout: string }> {
  return execFileAsync(temporalCli, [...args, '--address', server.address, '--namespace', server.namespace], { env: keyEnv });
}

async function history(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await rawClient.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

const meta = (p: temporal.api.common.v1.IPayload | null | undefined, key: string) => Buffer.from(p?.metadata?.[key] ?? []).toString();
const resultPayload = (events: temporal.api.history.v1.IHistoryEvent[]) => events.find((e) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!.result!.payloads![0];

/** The result payload of `temporal workflow show --output json`: its encoding and its data as text. */
function shownResult(stdout: string): { encoding: string; data: string } {
  type Shown = { events: { workflowExecutionCompletedEventAttributes?: { result: { payloads: { metadata: Record<string, string>; data: string }[] } } }[] };
  const completed = (JSON.parse(stdout) as Shown).events.find((e) => e.workflowExecutionCompletedEventAttributes)!;
  const [payload] = completed.workflowExecutionCompletedEventAttributes!.result.payloads;
  return { encoding: Buffer.from(payload.metadata.encoding, 'base64').toString(), data: Buffer.from(payload.data, 'base64').toString() };
}

async function withWorker<T>(config: Config, client: Client, fn: () => Promise<T>): Promise<T> {
  const worker: RunbookWorker = await createRunbookWorker({ config, connection, taskQueue, client });
  const running = worker.run();
  try {
    return await fn();
  } finally {
    await worker.shutdown();
    await running;
  }
}

let agents: { id: string; hostname: string }[];
const drainInput = (agent: { id: string }, reason: string) => ({ cluster, agentId: agent.id, reason, maxGracePeriodSeconds: 1, reactivate: true });

beforeAll(async () => {
  // The in-process worker reads its keys from this process's environment, as a deployed worker would.
  Object.assign(process.env, { MR_TEST_KEY_1: k1, MR_TEST_KEY_2: k2 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mr-encryption-'));
  taskQueue = uniqueName('tq-enc');
  sim = await startCluster({ agents: 5, tasksPerAgent: 1, seed: 5, timeScale: 20 });
  agents = [...sim.model.agents.values()].sort((a, b) => a.seq - b.seq).map((a) => ({ id: a.id, hostname: a.hostname }));
  temporalCli = (await resolveTemporalBinary({ log: () => undefined })).path;
  const uiPort = await freePort();
  uiOrigin = `http://127.0.0.1:${uiPort}`;
  // The codec server first (the dev server's Web UI is told its URL), then the dev server.
  const v1 = parseConfig({ clusters: { [cluster]: { masters: sim.masters } }, temporal: { encryption: encryptionV1 }, codecServer: { bindAddress: '127.0.0.1:0', corsOrigins: [uiOrigin] } });
  codecUrlV1 = await codecServerProcess(v1);
  server = await startDevServer({ dataDir: path.join(dir, 'temporal'), uiPort, uiCodecEndpoint: codecUrlV1, log: () => undefined });
  connection = await testWorkerConnection(server.address);
  rawClient = await clientWith(undefined);
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await rawClient?.connection.close();
  await connection?.close();
  await server?.stop();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('payload encryption', () => {
  it('the Web UI points at the codec server; plain CLI input runs on an encrypting worker; histories hold ciphertext; the CLI and the UI origin decode', async () => {
    const codecUrl = codecUrlV1;
    const settings = (await (await fetch(`${server.uiUrl}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(codecUrl);

    const config = configWith(encryptionV1, uiOrigin);
    const client = await clientWith(encryptionV1);
    const agent = agents.shift()!;
    const workflowId = `drainAgent/${cluster}/${agent.id}/plain-cli`;
    await withWorker(config, client, async () => {
      // As an operator would, with a plain JSON input and no codec.
      await temporalCmd(['workflow', 'start', '--task-queue', taskQueue, '--type', 'drainAgent', '--workflow-id', workflowId, '--input', JSON.stringify(drainInput(agent, 'plain input'))]);
      await expect(client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ finalState: 'REACTIVATED', agentId: agent.id });
    });

    const events = await history(workflowId);
    const input = events[0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(meta(input, 'encoding')).toBe('json/plain');
    const result = resultPayload(events);
    expect({ encoding: meta(result, 'encoding'), keyId: meta(result, 'encryption-key-id') }).toEqual({ encoding: 'binary/encrypted', keyId: 'k1' });
    const activityInputs = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.input!.payloads![0]);
    expect(activityInputs.length).toBeGreaterThan(0);
    expect(new Set(activityInputs.map((p) => meta(p, 'encoding')))).toEqual(new Set(['binary/encrypted']));
    for (const p of [result, ...activityInputs]) expect(Buffer.from(p.data!).toString('latin1')).not.toContain(agent.id);

    // The temporal CLI shows the result only through the codec server.
    const shown = shownResult((await temporalCmd(['workflow', 'show', '--workflow-id', workflowId, '--codec-endpoint', codecUrl, '--output', 'json'])).stdout);
    expect(shown.encoding).toBe('json/plain');
    expect(JSON.parse(shown.data)).toMatchObject({ finalState: 'REACTIVATED', agentId: agent.id });
    const raw = shownResult((await temporalCmd(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json'])).stdout);
    expect(raw.encoding).toBe('binary/encrypted');
    expect(raw.data).not.toContain('REACTIVATED');

    // What the Web UI does from its page: a preflight, then POST /decode, with its origin.
    const preflight = await fetch(`${codecUrl}/decode`, { method: 'OPTIONS', headers: { Origin: uiOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const body = JSON.stringify({ payloads: [payloadToJson(result)] });
    const decoded = await fetch(`${codecUrl}/decode`, { method: 'POST', headers: { Origin: uiOrigin, 'Content-Type': 'application/json', 'X-Namespace': 'default' }, body });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const [plainResult] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(plainResult.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(plainResult.data, 'base64').toString())).toMatchObject({ finalState: 'REACTIVATED', agentId: agent.id });
    // Another web origin may not have a visitor's browser decrypt.
    const foreign = await fetch(`${codecUrl}/decode`, { method: 'POST', headers: { Origin: 'http://127.0.0.2:9999', 'Content-Type': 'application/json' }, body });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  }, 180_000);

  it('key rotation: a new active key, the old one decrypt-only; old runs stay readable, new payloads use the new key', async () => {
    const before = await clientWith(encryptionV1);
    const oldAgent = agents.shift()!;
    const old = await withWorker(configWith(encryptionV1, uiOrigin), before, async () => {
      const started = await new RunbookClient({ client: before, taskQueue, clusters: ClusterRegistry.fromConfig(configWith(encryptionV1, uiOrigin)) }).start('drainAgent', drainInput(oldAgent, 'before rotation'), { idSuffix: 'before-rotation' });
      const handle = before.workflow.getHandle(started.workflowId);
      await handle.result();
      return handle.workflowId;
    });

    const rotated = configWith(encryptionV2, uiOrigin);
    const after = await clientWith(encryptionV2);
    const newAgent = agents.shift()!;
    const codecUrl = await codecServerProcess(rotated);
    const fresh = await withWorker(rotated, after, async () => {
      const started = await new RunbookClient({ client: after, taskQueue, clusters: ClusterRegistry.fromConfig(rotated) }).start('drainAgent', drainInput(newAgent, 'after rotation'), { idSuffix: 'after-rotation' });
      const handle = after.workflow.getHandle(started.workflowId);
      await expect(handle.result()).resolves.toMatchObject({ finalState: 'REACTIVATED' });
      // Input encrypted by the codec server for the CLI (--codec-endpoint): the new key.
      const cliAgent = agents.shift()!;
      const cliId = `drainAgent/${cluster}/${cliAgent.id}/encrypted-cli`;
      await temporalCmd(['workflow', 'start', '--task-queue', taskQueue, '--type', 'drainAgent', '--workflow-id', cliId, '--codec-endpoint', codecUrl, '--input', JSON.stringify(drainInput(cliAgent, 'encrypted by the codec server'))]);
      await expect(after.workflow.getHandle(cliId).result()).resolves.toMatchObject({ finalState: 'REACTIVATED', agentId: cliAgent.id });
      const cliInput = (await history(cliId))[0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
      expect({ encoding: meta(cliInput, 'encoding'), keyId: meta(cliInput, 'encryption-key-id') }).toEqual({ encoding: 'binary/encrypted', keyId: 'k2' });
      return handle.workflowId;
    });

    expect(meta(resultPayload(await history(old)), 'encryption-key-id')).toBe('k1');
    expect(meta(resultPayload(await history(fresh)), 'encryption-key-id')).toBe('k2');
    // The rotated client reads both; the old run's history was not rewritten.
    await expect(after.workflow.getHandle(old).result()).resolves.toMatchObject({ finalState: 'REACTIVATED', agentId: oldAgent.id });
    await expect(after.workflow.getHandle(fresh).result()).resolves.toMatchObject({ finalState: 'REACTIVATED', agentId: newAgent.id });
    // Without the old key listed, old payloads are refused, naming the key id.
    const newOnly = await clientWith({ keyId: 'k2', key: { env: 'MR_TEST_KEY_2' } });
    await expect(newOnly.workflow.getHandle(old).result()).rejects.toThrow(/key id 'k1', which is not configured/);
    // The rotated codec server decodes both for the UI and the CLI.
    const shownOld = shownResult((await temporalCmd(['workflow', 'show', '--workflow-id', old, '--codec-endpoint', codecUrl, '--output', 'json'])).stdout);
    expect(JSON.parse(shownOld.data)).toMatchObject({ finalState: 'REACTIVATED', agentId: oldAgent.id });
    for (const c of [before, after, newOnly]) await c.connection.close();
  }, 180_000);
});
