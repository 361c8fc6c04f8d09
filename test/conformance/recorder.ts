/**
 * Records every answer the simulator gives (the exact JSON text) with the Mesos message type it must decode as:
 * master and agent `/api/v1` bodies, SUBSCRIBE events, and the ProcessIO records of the agent's streams.
 */
import { request } from 'undici';
import { RecordIoDecoder } from '../../src/sim/recordio';
import { callApi, waitFor, type ApiResponse } from '../helpers/sim';
import type { Answer } from './strict-decoder';

/** The protobuf message each kind of answer is an instance of. */
export const MESSAGE_TYPES = {
  master: 'mesos.v1.master.Response',
  agent: 'mesos.v1.agent.Response',
  event: 'mesos.v1.master.Event',
  'process-io': 'mesos.v1.agent.ProcessIO',
} as const;
export type AnswerKind = keyof typeof MESSAGE_TYPES;

/** A recorded answer: the decoder's input plus what produced it. */
export interface Recorded extends Answer {
  kind: AnswerKind;
  call: string;
}

/** An open stream whose records are recorded as they arrive. */
export interface RecordedStream {
  status: number;
  records: string[];
  ended: Promise<void>;
  close(): void;
}

export class Recorder {
  readonly answers: Recorded[] = [];
  /** Answers that were not a JSON body (errors are plain text; writes are empty), by status. */
  readonly otherStatuses = new Map<number, number>();
  private seq = 0;
  label = 'start';

  private add(kind: AnswerKind, call: string, json: string): void {
    this.answers.push({ id: `${++this.seq} ${kind} ${call} @${this.label}`, kind, call, type: MESSAGE_TYPES[kind], json });
  }

  private async call(kind: 'master' | 'agent', base: string, body: { type: string } & Record<string, unknown>): Promise<ApiResponse> {
    const r = await callApi(base, body);
    if (r.status === 200 && r.text !== '' && (r.headers['content-type'] ?? '').startsWith('application/json')) this.add(kind, body.type, r.text);
    else this.otherStatuses.set(r.status, (this.otherStatuses.get(r.status) ?? 0) + 1);
    return r;
  }

  /** A master call; its JSON answer is recorded. */
  master(base: string, body: { type: string } & Record<string, unknown>): Promise<ApiResponse> {
    return this.call('master', base, body);
  }

  /** An agent call; its JSON answer is recorded. */
  agent(base: string, body: { type: string } & Record<string, unknown>): Promise<ApiResponse> {
    return this.call('agent', base, body);
  }

  /** A streaming call (SUBSCRIBE on a master; a container session or output on an agent): every record is recorded. */
  async stream(kind: 'event' | 'process-io', base: string, body: { type: string } & Record<string, unknown>): Promise<RecordedStream> {
    const controller = new AbortController();
    const headers: Record<string, string> =
      kind === 'event' ? { 'content-type': 'application/json', accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/recordio', 'message-accept': 'application/json' };
    const res = await request(`${base}/api/v1`, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
    const records: string[] = [];
    const decoder = new RecordIoDecoder();
    const ended = new Promise<void>((resolve) => {
      res.body.on('data', (chunk: Buffer) => {
        for (const rec of decoder.push(chunk)) {
          const text = rec.toString('utf8');
          records.push(text);
          this.add(kind, kind === 'event' ? (JSON.parse(text) as { type: string }).type : body.type, text);
        }
      });
      for (const e of ['end', 'error', 'close']) res.body.on(e, () => resolve());
    });
    return { status: res.statusCode, records, ended, close: () => controller.abort() };
  }

  /** Waits until a recorded stream has a record satisfying `pred`. */
  static async next(s: RecordedStream, pred: (r: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await waitFor(() => (found = s.records.map((r) => JSON.parse(r) as Record<string, unknown>).find(pred)) !== undefined, what, 20_000);
    return found as Record<string, unknown>;
  }
}
