import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import YAML from 'yaml';
import { parseConfig } from '../../../src/config';
import { searchAttributeCliTypes } from '../../../src/temporal/search-attributes';
import { TEMPORAL_SERVER_VERSION } from '../../../src/temporal/server-binary';

// No container engine runs here: this checks the file against the Compose specification's JSON schema (vendored in
// deploy/schema/, see its README) and that the stack's services reference each other consistently.
const root = path.resolve(__dirname, '../../..');
// Merge keys (<<: *anchor) as Docker Compose reads them.
const raw: unknown = YAML.parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const compose = raw as {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; depends_on?: Record<string, { condition: string } | undefined>; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; command?: string[] | string; profiles?: string[] }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

function validator() {
  // strictTypes off: the upstream schema leaves "type" implicit in places and uses union types; every other strict check stays.
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false, allowUnionTypes: true });
  return ajv.compile(JSON.parse(readFileSync(path.join(root, 'deploy/schema/compose-spec.json'), 'utf8')));
}

describe('docker-compose.yml', () => {
  it('is valid by the Compose specification', () => {
    const validate = validator();
    const valid = validate(raw);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is real: it refuses a malformed service', () => {
    const validate = validator();
    expect(validate({ services: { worker: { image: 'x', ports: '9464', restart: 'sometimes', depends_on: { a: { condition: 'healthy' } } } } })).toBe(false);
    expect((validate.errors ?? []).map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/services/worker/ports', '/services/worker/depends_on/a/condition']));
  });

  it('has the production stack: PostgreSQL, the schema job, Temporal, its setup and Web UI, the worker, the codec server, the chat bot, and the optional monitoring and simulator', () => {
    expect(Object.keys(services).sort()).toEqual(['chatops', 'codec-server', 'grafana', 'mesos-sim', 'postgresql', 'prometheus', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(services['mesos-sim'].profiles).toEqual(['sim']);
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(services.grafana.profiles).toEqual(['monitoring']);
    expect(services.chatops.profiles).toEqual(['chat']);
  });

  it('uses the Temporal and PostgreSQL versions the stack test runs, and the Web UI the Temporal CLI embeds', () => {
    const serverVersion = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(services.temporal.image).toBe(`temporalio/server:${serverVersion}`);
    expect(services['temporal-schema'].image).toMatch(new RegExp(`^temporalio/admin-tools:${serverVersion.replace(/\./g, '\\.')}-`));
    expect(services['temporal-setup'].image).toBe(services['temporal-schema'].image);
    expect(services['temporal-ui'].image).toBe('temporalio/ui:2.42.1');
    expect(services.postgresql.image).toMatch(/^postgres:15\./);
  });

  it('sets the schema up with the schema names temporal-sql-tool embeds, as src/temporal/server.ts does', () => {
    const script = String(services['temporal-schema'].command);
    expect(script).toContain('temporal:postgresql/v12/temporal');
    expect(script).toContain('temporal_visibility:postgresql/v12/visibility');
    expect(script).toMatch(/setup-schema -v 0\.0/);
    expect(services.temporal.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
  });

  it('runs the codec server and the chat bot from the worker image, and points the Web UI at the codec server', () => {
    const command = (name: string) => services[name].command as string[];
    expect(command('codec-server').slice(0, 3)).toEqual(['node', 'bin/mesos-runbooks.js', 'codec-server']);
    expect(command('chatops').slice(0, 3)).toEqual(['node', 'bin/mesos-runbooks.js', 'chatops']);
    expect(command('chatops')).toContain('--port');
    // The bot listens on the port the service publishes, on every interface of its container.
    const botPort = command('chatops')[command('chatops').indexOf('--port') + 1];
    expect(services.chatops.ports).toContain(`${botPort}:${botPort}`);
    expect(command('chatops')[command('chatops').indexOf('--host') + 1]).toBe('0.0.0.0');
    for (const name of ['codec-server', 'chatops']) expect(services[name].build).toEqual(services.worker.build);
    const codecPort = command('codec-server')[command('codec-server').indexOf('--bind') + 1].split(':')[1];
    expect(services['temporal-ui'].environment?.TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:${codecPort}`);
    expect(command('codec-server')[command('codec-server').indexOf('--cors-origin') + 1]).toBe(services['temporal-ui'].environment?.TEMPORAL_CORS_ORIGINS);
  });

  it('keeps secrets out of the file: passwords and keys come from the environment', () => {
    expect(services.postgresql.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    for (const name of ['worker', 'codec-server', 'chatops']) expect(services[name].environment?.MESOS_RUNBOOKS_PAYLOAD_KEY).toMatch(/^\$\{MESOS_RUNBOOKS_PAYLOAD_KEY:\?/);
    // The chat bot's secrets: by reference in the configuration, from the environment in the file.
    expect(services.chatops.environment?.SLACK_SIGNING_SECRET).toMatch(/^\$\{SLACK_SIGNING_SECRET:\?/);
    expect(services.chatops.environment?.SLACK_BOT_TOKEN).toMatch(/^\$\{SLACK_BOT_TOKEN:\?/);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/:v?[0-9][\w.-]*$/) });
    }
  });

  it('only depends on services that exist, with a condition each', () => {
    for (const service of Object.values(services)) {
      for (const [dep, how] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services)).toContain(dep);
        expect(['service_healthy', 'service_started', 'service_completed_successfully']).toContain(how?.condition);
      }
    }
  });

  it('points Temporal at the PostgreSQL service and every Temporal client at the Temporal service', () => {
    expect(services.temporal.environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(services.temporal.environment?.POSTGRES_USER).toBe(services.postgresql.environment?.POSTGRES_USER);
    expect(services.temporal.environment?.POSTGRES_PWD).toBe(services.postgresql.environment?.POSTGRES_PASSWORD);
    for (const name of ['worker', 'temporal-ui', 'temporal-setup']) {
      const [host, port] = (services[name].environment?.TEMPORAL_ADDRESS ?? '').split(':');
      expect({ name, host }).toEqual({ name, host: 'temporal' });
      expect(services.temporal.ports).toContain(`${port}:${port}`);
    }
  });

  it('registers exactly the search attributes the code uses', () => {
    const script = String(services['temporal-setup'].command);
    const registered = [...script.matchAll(/(\w+)=(KeywordList|Keyword)/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    expect(registered).toEqual(Object.entries(searchAttributeCliTypes).map(([k, v]) => `${k}=${v}`).sort());
  });

  it('builds the worker and the simulator from this repository, with files that exist', () => {
    for (const name of ['worker', 'mesos-sim']) {
      const build = services[name].build!;
      expect(existsSync(path.join(root, build.context, build.dockerfile))).toBe(true);
    }
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const copied of dockerfile.matchAll(/^COPY (\S+)/gm)) {
      for (const file of copied[1].split(' ')) expect(existsSync(path.join(root, file))).toBe(true);
    }
    expect(existsSync(path.join(root, (services['mesos-sim'].command as string[])[1]))).toBe(true);
  });

  it("mounts a worker configuration that validates and names the simulator's address", () => {
    const mount = services.worker.volumes!.find((v) => v.endsWith(`:${services.worker.environment?.MESOS_RUNBOOKS_CONFIG}:ro`));
    expect(mount).toBeDefined();
    const file = path.join(root, mount!.split(':')[0]);
    const config = parseConfig(YAML.parse(readFileSync(file, 'utf8')));
    const simPort = (services['mesos-sim'].command as string[])[(services['mesos-sim'].command as string[]).indexOf('--port') + 1];
    expect(config.clusters.default.masters).toEqual([`http://mesos-sim:${simPort}`]);
  });
});
