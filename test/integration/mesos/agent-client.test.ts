import { Readable } from 'node:stream';
import { AgentClient, agentUrlFromEntry, MasterClient, MesosError, type Agent } from '../../../src/mesos';
import { decodeRecordIO, encodeRecord } from '../../../src/mesos/recordio';
import { AgentSchema } from '../../../src/mesos/schemas/master';
import { jsonOf, sendEmpty, sendJson, sendText, stubsPerTest } from '../../helpers/mesos-stub-server';

function agentEntry(pid: string | undefined, hostname: string, port?: number): Agent {
  return AgentSchema.parse({ active: true, agent_info: { hostname, ...(port ? { port } : {}) }, ...(pid ? { pid } : {}) });
}

async function caught(p: Promise<unknown>): Promise<MesosError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MesosError) return e;
    throw e;
  }
  throw new Error('expected a MesosError');
}

describe('AgentClient over HTTP', () => {
  const { stub, track } = stubsPerTest();

  it('builds the agent URL from the pid, else from hostname and port (default 5051)', () => {
    expect(agentUrlFromEntry(agentEntry('slave(1)@10.0.0.5:5052', 'h'))).toBe('http://10.0.0.5:5052');
    expect(agentUrlFromEntry(agentEntry(undefined, 'agent-1.example', 5055), 'https')).toBe('https://agent-1.example:5055');
    expect(agentUrlFromEntry(agentEntry(undefined, 'agent-1.example'))).toBe('http://agent-1.example:5051');
  });

  it('MasterClient.agent(entry) talks to the agent of a GET_AGENTS entry, with the credentials', async () => {
    const s = await stub((_req, res) => sendJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const master = track(new MasterClient({ masters: ['http://127.0.0.1:1'], credentials: { kind: 'bearer', token: 'tok-abcdef' } }));
    const agent = track(master.agent(agentEntry(`slave(1)@127.0.0.1:${s.port}`, 'ignored')));
    await expect(agent.getHealth()).resolves.toEqual({ healthy: true });
    expect(s.requests[0].headers['authorization']).toBe('Bearer tok-abcdef');
  });

  it('GET_CONTAINERS sends its flags and parses nested container ids', async () => {
    const s = await stub((_req, res) =>
      sendJson(res, 200, {
        type: 'GET_CONTAINERS',
        get_containers: { containers: [{ container_id: { value: 'c2', parent: { value: 'c1' } }, executor_name: '' }] },
      }),
    );
    const agent = track(new AgentClient({ url: s.url }));
    const r = await agent.getContainers({ showNested: true });
    expect(r.containers[0].container_id.parent?.value).toBe('c1');
    expect(jsonOf(s.requests[0])).toEqual({ type: 'GET_CONTAINERS', get_containers: { show_nested: true } });
  });

  it('WAIT_CONTAINER is a long poll: it outlives the per-call timeout', async () => {
    const s = await stub((_req, res) => {
      setTimeout(() => sendJson(res, 200, { type: 'WAIT_CONTAINER', wait_container: { exit_status: 0 } }), 300);
    });
    const agent = track(new AgentClient({ url: s.url, timeoutMs: 50 }));
    await expect(agent.waitContainer({ containerId: { value: 'c' } })).resolves.toMatchObject({ exit_status: 0 });
    await expect(agent.getHealth()).rejects.toMatchObject({ code: 'TIMEOUT' }); // the same server never answers GET_HEALTH in time
  });

  it('an agent still recovering (503) is MESOS_UNAVAILABLE, retryable; 404 for an unknown container', async () => {
    let status = 503;
    const s = await stub((_req, res) => sendText(res, status, status === 503 ? 'Agent has not finished recovery' : 'Container c cannot be found'));
    const agent = track(new AgentClient({ url: s.url }));
    const e1 = await caught(agent.getState());
    expect(e1).toMatchObject({ code: 'MESOS_UNAVAILABLE', retryable: true, status: 503 });
    status = 404;
    const e2 = await caught(agent.killContainer({ containerId: { value: 'c' } }));
    expect(e2).toMatchObject({ code: 'MESOS_NOT_FOUND', callType: 'KILL_CONTAINER' });
  });

  it('LAUNCH_NESTED_CONTAINER_SESSION yields decoded output chunks from a hostile-chunked RecordIO stream', async () => {
    const records = [
      { type: 'DATA', data: { type: 'STDOUT', data: Buffer.from('héllo ').toString('base64') } },
      { type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: 30000000000 } } } },
      { type: 'DATA', data: { type: 'STDERR', data: Buffer.from('wörld 🎉').toString('base64') } },
      { type: 'DATA', data: { type: 'STDOUT', data: '' } },
    ];
    const s = await stub(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/json' });
      const wire = Buffer.concat(records.map((r) => encodeRecord(JSON.stringify(r))));
      for (let i = 0; i < wire.length; i += 3) await new Promise<void>((resolve) => res.write(wire.subarray(i, i + 3), () => resolve()));
      res.end();
    });
    const agent = track(new AgentClient({ url: s.url, timeoutMs: 50 }));
    const chunks: string[] = [];
    for await (const c of agent.launchNestedContainerSession({ containerId: { value: 'dbg', parent: { value: 'p' } }, command: { value: 'date' } })) {
      chunks.push(`${c.stream}:${c.data.toString('utf8')}`);
    }
    expect(chunks).toEqual(['STDOUT:héllo ', 'STDERR:wörld 🎉', 'STDOUT:']);
    const req = s.requests[0];
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['accept']).toBe('application/recordio');
    expect(req.headers['message-accept']).toBe('application/json');
    expect(jsonOf(req)).toEqual({
      type: 'LAUNCH_NESTED_CONTAINER_SESSION',
      launch_nested_container_session: { container_id: { value: 'dbg', parent: { value: 'p' } }, command: { value: 'date' } },
    });
  });

  it('ATTACH_CONTAINER_OUTPUT stops when the consumer breaks, closing the connection', async () => {
    let onClose: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/recordio' });
      res.write(encodeRecord(JSON.stringify({ type: 'DATA', data: { type: 'STDOUT', data: Buffer.from('a').toString('base64') } })));
      res.on('close', () => onClose());
    });
    const agent = track(new AgentClient({ url: s.url }));
    for await (const c of agent.attachContainerOutput({ containerId: { value: 'c' } })) {
      expect(c.data.toString()).toBe('a');
      break;
    }
    await expect(closed).resolves.toBeUndefined(); // the server saw the connection close
  });

  it('ATTACH_CONTAINER_INPUT streams RecordIO records (container id, stdin data, EOF)', async () => {
    const s = await stub((_req, res) => sendEmpty(res, 200));
    const agent = track(new AgentClient({ url: s.url }));
    await agent.attachContainerInput({ containerId: { value: 'c' }, input: Readable.from([Buffer.from('ls\n'), 'pwd\n', Buffer.alloc(0)]) });
    const req = s.requests[0];
    expect(req.headers['content-type']).toBe('application/recordio');
    expect(req.headers['message-content-type']).toBe('application/json');
    expect(req.headers['accept']).toBe('application/json');
    const records: unknown[] = [];
    for await (const r of decodeRecordIO(Readable.from([req.body]))) records.push(JSON.parse(r.toString('utf8')));
    const stdin = (d: string): unknown => ({
      type: 'ATTACH_CONTAINER_INPUT',
      attach_container_input: { type: 'PROCESS_IO', process_io: { type: 'DATA', data: { type: 'STDIN', data: Buffer.from(d).toString('base64') } } },
    });
    expect(records).toEqual([
      { type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'CONTAINER_ID', container_id: { value: 'c' } } },
      stdin('ls\n'),
      stdin('pwd\n'),
      stdin(''),
    ]);
  });

  it('a second input connection (409) is MESOS_CONFLICT', async () => {
    const s = await stub((_req, res) => sendText(res, 409, 'Multiple input connections are not allowed'));
    const agent = track(new AgentClient({ url: s.url }));
    const e = await caught(agent.attachContainerInput({ containerId: { value: 'c' }, input: Readable.from(['x']) }));
    expect(e).toMatchObject({ code: 'MESOS_CONFLICT', callType: 'ATTACH_CONTAINER_INPUT', mesosMessage: 'Multiple input connections are not allowed' });
  });
});
