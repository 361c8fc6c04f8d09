import { REDACTED, redactResponse, type RedactionCounts } from '../../../src/rehearsal/redact';

describe('redactResponse', () => {
  const state = {
    get_tasks: {
      tasks: [
        {
          name: 'web',
          labels: { labels: [{ key: 'owner', value: 'payments' }] },
          command: { value: './run --token=t0k3n', environment: { variables: [{ name: 'DB_PASSWORD', value: 'db-secret' }] } },
          data: 'b3BhcXVl',
          resources: [{ name: 'disk', reservations: [{ role: 'dev', labels: { labels: [{ key: 'volume', value: 'pg' }] } }] }],
          statuses: [{ state: 'TASK_RUNNING', data: 'c3RhdHVz', message: 'fetched http://ops:s3cr3t-pw@repo.internal/app.tgz' }],
          container: { docker: { image: 'nginx:1.25', parameters: [{ key: 'env', value: 'API_KEY=abc' }] } },
        },
      ],
    },
    big: 9007199254740993n,
  };

  it('strips environments, labels, command lines and opaque data by default, keeping a reservation\'s labels', () => {
    const counts: RedactionCounts = {};
    const out = redactResponse(state, { workload: true, secrets: [] }, counts) as typeof state;
    const task = out.get_tasks.tasks[0]!;
    expect(task).not.toHaveProperty('labels');
    expect(task).not.toHaveProperty('command');
    expect(task).not.toHaveProperty('data');
    expect(task.statuses[0]).not.toHaveProperty('data');
    expect(task.container.docker).toEqual({ image: 'nginx:1.25' });
    expect(task.resources[0]!.reservations[0]!.labels).toEqual({ labels: [{ key: 'volume', value: 'pg' }] });
    expect(out.big).toBe(9007199254740993n); // exact int64 kept
    expect(counts).toMatchObject({ labels: 1, 'command lines (CommandInfo: value, arguments, environment, URIs)': 1, 'Docker parameters (may carry --env)': 1 });
    expect(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toMatch(/payments|t0k3n|db-secret|API_KEY/);
  });

  it('always scrubs the configured secrets and user:password@ in URLs, redacted or not', () => {
    const counts: RedactionCounts = {};
    const input = { a: 'the password is hunter2, again hunter2', url: 'https://admin:pw@master.example.com:5050', labels: ['keep hunter2 out'] };
    const out = redactResponse(input, { workload: false, secrets: ['hunter2', ''] }, counts) as typeof input;
    expect(out.a).toBe(`the password is ${REDACTED}, again ${REDACTED}`);
    expect(out.url).toBe(`https://${REDACTED}@master.example.com:5050`);
    expect(out.labels).toEqual([`keep ${REDACTED} out`]); // kept (--no-redact), but scrubbed
    expect(counts).toEqual({ 'configured credentials': 2, 'user:password@ in URLs': 1 });
    // A status message's URL credentials go too, with the workload kept.
    const kept = redactResponse(state, { workload: false, secrets: [] }) as typeof state;
    expect(kept.get_tasks.tasks[0]!.statuses[0]!.message).toBe(`fetched http://${REDACTED}@repo.internal/app.tgz`);
    expect(kept.get_tasks.tasks[0]!.command.environment.variables[0]!.value).toBe('db-secret');
  });

  it('writes master flags that name credentials as <redacted>, and secret references always', () => {
    const flags = { flags: [{ name: 'credentials', value: '/etc/mesos/credentials' }, { name: 'authenticate_http_readwrite', value: 'true' }, { name: 'zk_session_timeout', value: '10secs' }, { name: 'jwt_secret_key', value: '' }] };
    expect(redactResponse(flags, { workload: false, secrets: [] })).toEqual({
      flags: [{ name: 'credentials', value: REDACTED }, { name: 'authenticate_http_readwrite', value: 'true' }, { name: 'zk_session_timeout', value: '10secs' }, { name: 'jwt_secret_key', value: '' }],
    });
    expect(redactResponse({ volume: { source: { secret: { type: 'VALUE', value: { data: 'x' } } } } }, { workload: false, secrets: [] })).toEqual({ volume: { source: {} } });
  });
});
