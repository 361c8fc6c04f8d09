import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfig, resolveSecret } from '../../../src/config';

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mr-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('fills defaults: the task queue mesos-runbooks, namespace default, 30 s timeouts', () => {
    const config = parseConfig({ clusters: { default: { masters: ['http://127.0.0.1:5050'] } } });
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'mesos-runbooks' });
    expect(config.clusters.default.timeoutSeconds).toBe(30);
    expect(config.policy.alwaysRequireApproval).toEqual([]);
  });

  it('reports every problem at once, each with its dot path', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        temporal: { adress: 'x' },
        clusters: { prod: { masters: ['ftp://m1'], credentials: { kind: 'digest' }, timeoutSeconds: -1 } },
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    const text = error!.problems.join('\n');
    expect(text).toMatch(/^temporal: unknown field\(s\) 'adress'/m);
    expect(text).toMatch(/^clusters\.prod\.masters\.0: /m);
    expect(text).toMatch(/^clusters\.prod\.credentials\.kind: .*'basic' \| 'bearer'/m);
    expect(text).toMatch(/^clusters\.prod\.timeoutSeconds: /m);
  });

  it('refuses a configuration without clusters and says how to write one', () => {
    expect(() => parseConfig({ clusters: {} })).toThrow(/clusters: define at least one cluster/);
  });

  it('reads YAML and applies environment overrides on top', () => {
    const file = tmpFile(
      'c.yaml',
      ['clusters:', '  default:', '    masters: [http://m1:5050]', '    credentials: { kind: basic, principal: ops, secret: { env: MESOS_SECRET } }', 'temporal:', '  namespace: ops'].join('\n'),
    );
    const config = loadConfig({ file, env: { TEMPORAL_ADDRESS: '127.0.0.1:17233', MESOS_MASTERS: 'http://a:5050, http://b:5050' } });
    expect(config.temporal.address).toBe('127.0.0.1:17233');
    expect(config.temporal.namespace).toBe('ops');
    expect(config.clusters.default.masters).toEqual(['http://a:5050', 'http://b:5050']);
    expect(config.clusters.default.credentials).toEqual({ kind: 'basic', principal: 'ops', secret: { env: 'MESOS_SECRET' } });
  });

  it('names the file when it is missing or malformed', () => {
    expect(() => loadConfig({ file: '/nonexistent/mr.yaml', env: {} })).toThrow(/\/nonexistent\/mr\.yaml.*cannot read the file: ENOENT/s);
    const bad = tmpFile('bad.yaml', 'clusters: [unclosed');
    expect(() => loadConfig({ file: bad, env: {} })).toThrow(/not valid YAML or JSON/);
  });

  it('resolves secrets by reference and never puts a value in an error', () => {
    expect(resolveSecret({ env: 'S1' }, { S1: 'hunter2' })).toBe('hunter2');
    const file = tmpFile('secret', 'from-file\n');
    expect(resolveSecret({ file })).toBe('from-file');
    expect(() => resolveSecret({ env: 'MISSING' }, {})).toThrow('environment variable MISSING is unset or empty');
    const empty = tmpFile('empty', '');
    expect(() => resolveSecret({ file: empty })).toThrow(/is empty/);
  });
});
