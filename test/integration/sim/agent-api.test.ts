/** Spec §1.2 and §8: the agent API on each agent's own port, with real nested container processes. */
import { request } from 'undici';
import { parseJson } from '../../../src/sim/json';
import { encodeRecord, RecordIoDecoder } from '../../../src/sim/recordio';
import { callApi, startTestCluster, type SimCluster } from '../../helpers/sim';

describe('agent API', () => {
  let sim: SimCluster;
  let agentUrl: string;
  let agentId: string;
  beforeAll(async () => {
    sim = await startTestCluster({ agents: 2, tasksPerAgent: 2 });
    agentId = [...sim.model.agents.keys()][0] as string;
    agentUrl = `http://${sim.model.agents.get(agentId)!.ip}:${sim.model.agents.get(agentId)!.port}`;
  });
  afterAll(() => sim.stop());

  const executorContainer = async (): Promise<string> => {
    const r = (await callApi(agentUrl, { type: 'GET_CONTAINERS' })).json as { get_containers: { containers: { container_id: { value: string } }[] } };
    return r.get_containers.containers[0]!.container_id.value;
  };

  it('listens on its own port, the one in GET_AGENTS pid', async () => {
    const agents = (await callApi(sim.leader, { type: 'GET_AGENTS' })).json as { get_agents: { agents: { pid: string; agent_info: { id: { value: string } } }[] } };
    const a = agents.get_agents.agents.find((x) => x.agent_info.id.value === agentId)!;
    expect(a.pid).toBe(`slave(1)@${agentUrl.slice('http://'.length)}`);
    expect(sim.agents).toContain(agentUrl);
    const st = (await callApi(agentUrl, { type: 'GET_STATE' })).json as { get_state: { get_tasks: { launched_tasks: unknown[] } } };
    expect(st.get_state.get_tasks.launched_tasks).toHaveLength(2);
    const ga = (await callApi(agentUrl, { type: 'GET_AGENT' })).json as { get_agent: { agent_info: { id: { value: string } } } };
    expect(ga.get_agent.agent_info.id.value).toBe(agentId);
  });

  it('applies the agent media-type rules (415/406/400)', async () => {
    const ct = await callApi(agentUrl, { type: 'GET_HEALTH' }, { 'content-type': 'text/plain' });
    expect(ct.status).toBe(415);
    const mct = await callApi(agentUrl, { type: 'GET_HEALTH' }, { 'message-content-type': 'application/json' });
    expect(mct.status).toBe(415);
    const noMct = await callApi(agentUrl, encodeRecord('{"type":"GET_HEALTH"}').toString(), { 'content-type': 'application/recordio' });
    expect([noMct.status, noMct.text]).toEqual([400, "Expecting 'Message-Content-Type' to be set for streaming requests"]);
    const streamReq = await callApi(agentUrl, encodeRecord('{"type":"GET_HEALTH"}').toString(), { 'content-type': 'application/recordio', 'message-content-type': 'application/json' });
    expect(streamReq.status).toBe(415);
    const streamAccept = await callApi(agentUrl, { type: 'GET_HEALTH' }, { accept: 'application/recordio' });
    expect(streamAccept.status).toBe(406);
    const msgAccept = await callApi(agentUrl, { type: 'GET_HEALTH' }, { 'message-accept': 'application/json' });
    expect(msgAccept.status).toBe(406);
    const none = await callApi(agentUrl, { type: 'GET_HEALTH' }, { accept: 'text/html' });
    expect(none.status).toBe(406);
    const input = await callApi(agentUrl, { type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'CONTAINER_ID', container_id: { value: 'x' } } });
    expect(input.status).toBe(415);
  });

  it('launches a nested container running a real process; WAIT returns its wait status; REMOVE cleans up', async () => {
    const parent = await executorContainer();
    const id = { value: 'child-1', parent: { value: parent } };
    const launch = await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: id, command: { value: 'echo hello; exit 3', environment: { variables: [{ name: 'X', type: 'VALUE', value: '1' }] } } } });
    expect(launch.status).toBe(200);
    const wait = (await callApi(agentUrl, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } })).json as { wait_nested_container: { exit_status: number } };
    expect(wait.wait_nested_container).toEqual({ exit_status: 3 << 8 });
    // The termination is kept (Mesos checkpoints it) until REMOVE: WAIT answers it again at once.
    const again = await callApi(agentUrl, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } });
    expect([again.status, (again.json as { wait_nested_container: unknown }).wait_nested_container]).toEqual([200, { exit_status: 3 << 8 }]);
    const kill = await callApi(agentUrl, { type: 'KILL_NESTED_CONTAINER', kill_nested_container: { container_id: id } });
    expect([kill.status, kill.text]).toEqual([404, `Container '${parent}.child-1' cannot be found (or is already killed)`]);
    expect((await callApi(agentUrl, { type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: id } })).status).toBe(200);
    const gone = await callApi(agentUrl, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } });
    expect(gone.status).toBe(404);
    // A terminated container is no longer live, so its id can be launched again.
    const relaunch = await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: id, command: { value: 'true' } } });
    expect(relaunch.status).toBe(200);
    const second = await callApi(agentUrl, { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: id } });
    expect((second.json as { wait_nested_container: unknown }).wait_nested_container).toEqual({ exit_status: 0 });
    const orphan = await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'c', parent: { value: 'nope' } }, command: { value: 'true' } } });
    expect(orphan.status).toBe(400);
    const badId = await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'a/b', parent: { value: parent } }, command: { value: 'true' } } });
    expect(badId.status).toBe(400);
  });

  it('kills a running container; REMOVE of a running one is 500', async () => {
    const parent = await executorContainer();
    const id = { value: 'sleeper', parent: { value: parent } };
    expect((await callApi(agentUrl, { type: 'LAUNCH_CONTAINER', launch_container: { container_id: id, command: { value: 'sleep 30' } } })).status).toBe(200);
    const again = await callApi(agentUrl, { type: 'LAUNCH_CONTAINER', launch_container: { container_id: id, command: { value: 'true' } } });
    expect(again.status).toBe(202);
    const rm = await callApi(agentUrl, { type: 'REMOVE_CONTAINER', remove_container: { container_id: id } });
    expect([rm.status, rm.text]).toEqual([500, 'Nested container has not terminated yet']);
    const listed = (await callApi(agentUrl, { type: 'GET_CONTAINERS', get_containers: { show_nested: true } })).text;
    expect(listed).toContain('"sleeper"');
    const waiting = callApi(agentUrl, { type: 'WAIT_CONTAINER', wait_container: { container_id: id } });
    expect((await callApi(agentUrl, { type: 'KILL_CONTAINER', kill_container: { container_id: id, signal: 15 } })).status).toBe(200);
    // Only the wait status: Mesos sets a state and reasons only when a limitation ended the container.
    expect((await waiting).json).toEqual({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 15 } });
    // Terminated: no longer listed, but its termination stays for WAIT until REMOVE.
    const nested = (await callApi(agentUrl, { type: 'GET_CONTAINERS', get_containers: { show_nested: true } })).text;
    expect(nested).not.toContain('"sleeper"');
    expect((await callApi(agentUrl, { type: 'WAIT_CONTAINER', wait_container: { container_id: id } })).json).toEqual({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 15 } });
    expect((await callApi(agentUrl, { type: 'REMOVE_CONTAINER', remove_container: { container_id: id } })).status).toBe(200);
    expect((await callApi(agentUrl, { type: 'WAIT_CONTAINER', wait_container: { container_id: id } })).status).toBe(404);
  });

  it('streams a nested container session as RecordIO ProcessIO records', async () => {
    const parent = await executorContainer();
    const res = await request(`${agentUrl}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/recordio', 'message-accept': 'application/json' },
      body: JSON.stringify({ type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: { value: 'dbg', parent: { value: parent } }, command: { value: 'echo one; echo two >&2' } } }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/recordio');
    expect(res.headers['message-content-type']).toBe('application/json');
    const d = new RecordIoDecoder();
    const recs: { type: string; data: { type: string; data: string } }[] = [];
    for await (const chunk of res.body) for (const r of d.push(chunk as Buffer)) recs.push(parseJson(r.toString()) as (typeof recs)[number]);
    const out = recs.filter((r) => r.data?.type === 'STDOUT').map((r) => Buffer.from(r.data.data, 'base64').toString()).join('');
    const err = recs.filter((r) => r.data?.type === 'STDERR').map((r) => Buffer.from(r.data.data, 'base64').toString()).join('');
    expect([out, err]).toEqual(['one\n', 'two\n']);
    // The session's container was destroyed at EOF; its termination stays until REMOVE (how `task exec` gets its exit code).
    const dbg = { value: 'dbg', parent: { value: parent } };
    const after = await callApi(agentUrl, { type: 'WAIT_CONTAINER', wait_container: { container_id: dbg } });
    expect([after.status, after.json]).toEqual([200, { type: 'WAIT_CONTAINER', wait_container: { exit_status: 0 } }]);
    expect((await callApi(agentUrl, { type: 'REMOVE_CONTAINER', remove_container: { container_id: dbg } })).status).toBe(200);
    expect((await callApi(agentUrl, { type: 'WAIT_CONTAINER', wait_container: { container_id: dbg } })).status).toBe(404);
  });

  it('attaches input and output of a running container', async () => {
    const parent = await executorContainer();
    const id = { value: 'cat', parent: { value: parent } };
    expect((await callApi(agentUrl, { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: id, command: { value: 'cat' } } })).status).toBe(200);
    const out = await request(`${agentUrl}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/recordio', 'message-accept': 'application/json' },
      body: JSON.stringify({ type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: id } }),
    });
    expect(out.statusCode).toBe(200);
    const rec = (type: string, body: unknown) => encodeRecord(JSON.stringify({ type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type, ...(body as object) } }));
    const input = Buffer.concat([
      rec('CONTAINER_ID', { container_id: id }),
      rec('PROCESS_IO', { process_io: { type: 'DATA', data: { type: 'STDIN', data: Buffer.from('ping\n').toString('base64') } } }),
      rec('PROCESS_IO', { process_io: { type: 'DATA', data: { type: 'STDIN', data: '' } } }),
    ]);
    const inRes = await request(`${agentUrl}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/recordio', 'message-content-type': 'application/json', accept: 'application/json' }, body: input });
    expect(inRes.statusCode).toBe(200);
    await inRes.body.dump();
    const d = new RecordIoDecoder();
    let text = '';
    for await (const chunk of out.body) for (const r of d.push(chunk as Buffer)) text += Buffer.from((parseJson(r.toString()) as { data: { data: string } }).data.data, 'base64').toString();
    expect(text).toBe('ping\n');
  });

  it('serves the sandbox and the agent log through LIST_FILES / READ_FILE with the 64 KiB cap', async () => {
    const task = sim.model.tasksOf(sim.model.agents.get(agentId)!)[0]!;
    const dir = `/frameworks/${task.frameworkId}/executors/${task.id}/runs/latest`;
    const list = (await callApi(agentUrl, { type: 'LIST_FILES', list_files: { path: dir } })).json as { list_files: { file_infos: { path: string }[] } };
    expect(list.list_files.file_infos.map((f) => f.path)).toEqual(expect.arrayContaining([`${dir}/stderr`, `${dir}/stdout`]));
    const big = 'x'.repeat(100_000);
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const node = sim.runtime.agentNodes.get(agentId)!;
    writeFileSync(join(node.sandboxForTask(task.frameworkId, task.id, task.id), 'big.log'), big);
    const read = (await callApi(agentUrl, { type: 'READ_FILE', read_file: { path: `${dir}/big.log`, offset: 0 } })).json as { read_file: { size: number; data: string } };
    expect(read.read_file.size).toBe(100_000);
    expect(Buffer.from(read.read_file.data, 'base64').length).toBe(65536);
    const dirRead = await callApi(agentUrl, { type: 'READ_FILE', read_file: { path: dir, offset: 0 } });
    expect([dirRead.status, dirRead.text]).toEqual([400, 'Cannot read a directory.']);
    const log = await callApi(agentUrl, { type: 'READ_FILE', read_file: { path: '/slave/log', offset: 0 } });
    expect(log.status).toBe(200);
    expect((await callApi(agentUrl, { type: 'LIST_FILES', list_files: { path: '/agent/log' } })).status).toBe(404);
  });

  it('prunes images and manages resource provider configs with the 409 rules', async () => {
    const node = sim.runtime.agentNodes.get(agentId)!;
    const before = node.images.images.length;
    expect((await callApi(agentUrl, { type: 'PRUNE_IMAGES', prune_images: { excluded_images: [{ type: 'DOCKER', docker: { name: 'mysql:latest' } }] } })).status).toBe(200);
    expect(node.images.images.length).toBeLessThan(before);
    expect(node.images.images.map((i) => i.name)).toContain('mysql:latest');
    const info = { type: 'org.apache.mesos.rp.local.storage', name: 'test_slrp', storage: { plugin: { type: 'org.apache.mesos.csi.test', name: 'p' } } };
    const upd = await callApi(agentUrl, { type: 'UPDATE_RESOURCE_PROVIDER_CONFIG', update_resource_provider_config: { info } });
    expect([upd.status, upd.text]).toEqual([409, "Resource provider with type 'org.apache.mesos.rp.local.storage' and name 'test_slrp' does not exist"]);
    expect((await callApi(agentUrl, { type: 'ADD_RESOURCE_PROVIDER_CONFIG', add_resource_provider_config: { info } })).status).toBe(200);
    const dup = await callApi(agentUrl, { type: 'ADD_RESOURCE_PROVIDER_CONFIG', add_resource_provider_config: { info } });
    expect([dup.status, dup.text]).toEqual([409, "Resource provider with type 'org.apache.mesos.rp.local.storage' and name 'test_slrp' already exists"]);
    expect((await callApi(agentUrl, { type: 'UPDATE_RESOURCE_PROVIDER_CONFIG', update_resource_provider_config: { info } })).status).toBe(200);
    expect((await callApi(agentUrl, { type: 'GET_RESOURCE_PROVIDERS' })).text).toContain('test_slrp');
    expect((await callApi(agentUrl, { type: 'REMOVE_RESOURCE_PROVIDER_CONFIG', remove_resource_provider_config: { type: info.type, name: info.name } })).status).toBe(200);
    expect((await callApi(agentUrl, { type: 'REMOVE_RESOURCE_PROVIDER_CONFIG', remove_resource_provider_config: { type: info.type, name: info.name } })).status).toBe(200);
    const withId = await callApi(agentUrl, { type: 'ADD_RESOURCE_PROVIDER_CONFIG', add_resource_provider_config: { info: { ...info, id: { value: 'x' } } } });
    expect(withId.status).toBe(400);
    const audit = sim.audit().filter((e) => e.call.endsWith('RESOURCE_PROVIDER_CONFIG'));
    expect(audit.map((e) => e.outcome)).toEqual(['rejected', 'applied', 'rejected', 'applied', 'applied', 'applied', 'rejected']);
  });
});
