import { Command, Option } from 'commander';
import { startChatBot } from '../chatops/bot';
import { ClusterRegistry } from '../clusters';
import { connectClient } from '../temporal/connection';
import { port } from './options';
import type { CliContext } from './context';

/** `mesos-runbooks chatops --port <n>`: the Slack bot (docs/chatops.md), until SIGINT/SIGTERM. */
export function chatopsCommand(ctx: CliContext): Command {
  return new Command('chatops')
    .description("Serve the Slack bot (Bolt, HTTP mode): POST /slack/events for /runbook commands and buttons; GET /health")
    .addOption(new Option('--port <port>', 'HTTP port').default(8090).argParser(port('--port')))
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--json', 'print the ready line as JSON', false)
    .action(async (opts: { port: number; host: string; json: boolean }) => {
      const config = ctx.config();
      const client = await connectClient(config.temporal);
      const clusters = ClusterRegistry.fromConfig(config);
      const bot = await startChatBot({ config, client, clusters, port: opts.port, host: opts.host });
      process.stderr.write(opts.json ? `${JSON.stringify({ chatops: bot.url, port: bot.port })}\n` : `chat bot serving http://${opts.host}:${bot.port}/slack/events (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await bot.stop();
      await clusters.close();
      await client.connection.close();
    });
}
