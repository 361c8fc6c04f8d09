import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../../src/config';
import { searchAttributeCliTypes } from '../../../src/temporal/search-attributes';

// No container engine runs here: this checks that the stack's services reference each other consistently.
const root = path.resolve(__dirname, '../../..');
const compose = YAML.parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; command?: string[] | string; profiles?: string[] }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the production stack: PostgreSQL, Temporal, its Web UI, the worker, and the optional simulator', () => {
    expect(Object.keys(services).sort()).toEqual(['mesos-sim', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(services['mesos-sim'].profiles).toEqual(['sim']);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/:[0-9][\w.-]*$/) });
    }
  });

  it('only depends on services that exist, with a condition each', () => {
    for (const service of Object.values(services)) {
      for (const [dep, how] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services)).toContain(dep);
        expect(['service_healthy', 'service_started', 'service_completed_successfully']).toContain(how.condition);
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
