/**
 * RecordIO framing (docs/recordio.md): `<length in bytes>\n<record bytes>`, the length in ASCII base-10.
 */

/** Frames one record. The length counts UTF-8 bytes, not characters. */
export function encodeRecord(record: string | Buffer): Buffer {
  const body = typeof record === 'string' ? Buffer.from(record, 'utf8') : record;
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/**
 * Incremental decoder: feed arbitrary chunks, get whole records back.
 * @throws Error on a non-numeric length header (the decoder then stays failed, like Mesos's).
 */
export class RecordIoDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;

  /** Adds a chunk and returns the records completed by it. */
  push(chunk: Buffer | string): Buffer[] {
    if (this.failed) throw this.failed;
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) {
        if (this.buf.length > 20) this.fail('record length header too long');
        break;
      }
      const header = this.buf.subarray(0, nl).toString('ascii');
      if (!/^\d+$/.test(header)) this.fail(`invalid record length '${header}'`);
      const len = Number(header);
      if (this.buf.length < nl + 1 + len) break;
      out.push(this.buf.subarray(nl + 1, nl + 1 + len));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }

  /** True when bytes of an unfinished record are buffered. */
  get pending(): boolean {
    return this.buf.length > 0;
  }

  private fail(msg: string): never {
    this.failed = new Error(`RecordIO decode failed: ${msg}`);
    throw this.failed;
  }
}
