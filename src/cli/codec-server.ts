import { Command } from 'commander';
import { loadConfig } from '../config';
import { codecFromConfig } from '../temporal/codec';
import { startCodecServer } from '../temporal/codec-server';

/**
 * `mesos-runbooks codec-server`: the Web UI's (and `temporal --codec-endpoint`'s) view of encrypted payloads, with
 * the keys of `temporal.encryption`, on `codecServer.bindAddress`, CORS for `codecServer.corsOrigins`.
 */
export function codecServerCommand(configFile: () => string | undefined): Command {
  return new Command('codec-server')
    .description("Serve POST /encode and /decode for the Temporal Web UI and CLI, with the configuration's encryption keys")
    .option('--bind <host:port>', 'where to listen (default: codecServer.bindAddress, 127.0.0.1:8888)')
    .option('--cors-origin <origin...>', "the Web UI's origin(s), e.g. http://localhost:8080 (default: codecServer.corsOrigins)")
    .option('--json', 'print the ready line as JSON', false)
    .action(async (opts: { bind?: string; corsOrigin?: string[]; json?: boolean }) => {
      const config = loadConfig({ file: configFile() });
      const codec = codecFromConfig(config.temporal.encryption);
      if (!codec) {
        throw Object.assign(new Error('temporal.encryption is not configured: the codec server needs its keys (temporal.encryption.keyId and key)'), { code: 'CONFIG_INVALID' });
      }
      const bind = opts.bind ?? config.codecServer.bindAddress;
      const i = bind.lastIndexOf(':');
      const port = Number(bind.slice(i + 1));
      if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw Object.assign(new Error(`--bind: expected host:port, e.g. 127.0.0.1:8888, got '${bind}'`), { code: 'INVALID_INPUT' });
      }
      const server = await startCodecServer({
        codec,
        host: bind.slice(0, i).replace(/^\[(.*)\]$/, '$1'),
        port,
        corsOrigins: opts.corsOrigin ?? config.codecServer.corsOrigins,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(opts.json ? `${JSON.stringify({ codecServer: server.url, activeKeyId: codec.activeKeyId })}\n` : `codec server ${server.url} (active key ${codec.activeKeyId})\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
