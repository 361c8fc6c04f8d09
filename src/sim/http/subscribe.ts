/**
 * Master SUBSCRIBE (spec §3): 200, Content-Type application/json, chunked RecordIO records — SUBSCRIBED with the
 * state snapshot, a HEARTBEAT at once, then every heartbeat interval, and the model's events as they happen.
 * The stream ends when the master stops leading. Never gzip'd.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from '../clock';
import type { Cluster } from '../model/cluster';
import { getStateJson, joinJson } from '../model/views';
import { encodeRecord } from '../recordio';
import { stringifyJson } from '../json';

/** An open SUBSCRIBE stream. */
export interface SubscribeStream {
  /** Ends the stream (failover, shutdown, subscriber cap). */
  end(): void;
  /** Cuts the connection without a clean end (dropped stream fault). */
  drop(): void;
}

/** Options of a stream. */
export interface SubscribeOptions {
  heartbeatSeconds: number;
  dropAfterRealMs?: number;
  /** Called once when the stream closes, whatever the cause. */
  onClose?: () => void;
}

/** Starts a SUBSCRIBE stream on `res`. */
export function startSubscribe(req: IncomingMessage, res: ServerResponse, model: Cluster, clock: SimClock, opts: SubscribeOptions): SubscribeStream {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const write = (json: string): void => {
    if (!res.destroyed && !res.writableEnded) res.write(encodeRecord(json));
  };
  const hb = stringifyJson({ type: 'HEARTBEAT' });
  const interval = opts.heartbeatSeconds;
  const intervalText = Number.isInteger(interval) ? `${interval}.0` : String(interval);
  const subscribed = joinJson(['{"type":"SUBSCRIBED","subscribed":{"get_state":', ...getStateJson(model), `,"heartbeat_interval_seconds":${intervalText}}}`]);
  if (!res.destroyed) res.write(encodeRecord(subscribed));
  write(hb);
  const unlisten = model.events.listen((ev) => write(stringifyJson(ev.build())));
  const timer = clock.every(interval * 1000, () => write(hb));
  let dropTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    unlisten();
    timer.cancel();
    if (dropTimer) clearTimeout(dropTimer);
    opts.onClose?.();
  };
  const stream: SubscribeStream = {
    end: () => {
      cleanup();
      if (!res.writableEnded) res.end();
    },
    drop: () => {
      cleanup();
      req.socket.destroy();
    },
  };
  if (opts.dropAfterRealMs !== undefined) dropTimer = setTimeout(() => stream.drop(), opts.dropAfterRealMs);
  res.on('close', cleanup);
  req.on('close', cleanup);
  return stream;
}
