/**
 * LIST_FILES / READ_FILE over virtual paths (src/files/files.cpp): folders and files are attached under virtual
 * paths (`/slave/log`, `/frameworks/<fid>/executors/<eid>/runs/latest`, `/master/log`); a request resolves to the
 * longest attached prefix. Reads are capped at 16 pages (64 KiB).
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { nanos } from '../json';
import { ApiError } from '../model/errors';

/** Largest READ_FILE chunk: 16 pages of 4 KiB. */
export const READ_CAP = 16 * 4096;

/** The virtual file tree of one master or agent. */
export class VirtualFiles {
  private readonly attached = new Map<string, string>();
  /** Called for a virtual path nobody attached yet (lazy sandboxes); may attach it. */
  resolveMissing?: (virtualPath: string) => void;

  /** Attaches a real file or folder under a virtual path. */
  attach(virtualPath: string, realPath: string): void {
    this.attached.set(normalize(virtualPath), realPath);
  }

  /** Detaches a virtual path. */
  detach(virtualPath: string): void {
    this.attached.delete(normalize(virtualPath));
  }

  private resolve(virtualPath: string): { real: string; root: string } | undefined {
    const path = normalize(virtualPath);
    const find = (): { real: string; root: string } | undefined => {
      let best: string | undefined;
      for (const k of this.attached.keys()) {
        if ((path === k || path.startsWith(k === '/' ? '/' : `${k}/`)) && (best === undefined || k.length > best.length)) best = k;
      }
      if (best === undefined) return undefined;
      const root = this.attached.get(best) as string;
      const suffix = path.slice(best.length).replace(/^\/+/, '');
      return { real: suffix === '' ? root : join(root, ...suffix.split('/')), root };
    };
    let r = find();
    if (!r && this.resolveMissing) {
      this.resolveMissing(path);
      r = find();
    }
    if (!r) return undefined;
    try {
      const real = realpathSync(r.real);
      const root = realpathSync(r.root);
      const rel = relative(root, real);
      if (rel.startsWith('..') || rel.split(sep).includes('..')) throw new ApiError(400, `'${virtualPath}' is inaccessible`);
      return { real, root };
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * LIST_FILES.
   * @throws ApiError 404 (empty body) when the path does not resolve; 400 when it escapes its folder.
   */
  list(virtualPath: string): Record<string, unknown>[] {
    const r = this.resolve(virtualPath);
    if (!r) throw new ApiError(404, '');
    const st = statSync(r.real);
    const base = normalize(virtualPath);
    if (!st.isDirectory()) return [fileInfo(base, r.real)];
    return readdirSync(r.real)
      .sort()
      .map((name) => fileInfo(posix.join(virtualPath, name), join(r.real, name)));
  }

  /**
   * READ_FILE: `{size, data}` with at most 64 KiB from `offset`.
   * @throws ApiError 404 when the path does not resolve; 400 'Cannot read a directory.'.
   */
  read(virtualPath: string, offset: number, length?: number): { size: number; data: string } {
    const r = this.resolve(virtualPath);
    if (!r) throw new ApiError(404, '');
    const st = statSync(r.real);
    if (st.isDirectory()) throw new ApiError(400, 'Cannot read a directory.');
    const size = st.size;
    const want = Math.min(length ?? READ_CAP, READ_CAP);
    if (offset >= size || want === 0) return { size, data: '' };
    const n = Math.min(want, size - offset);
    const buf = Buffer.alloc(n);
    const fd = openSync(r.real, 'r');
    try {
      const got = readSync(fd, buf, 0, n, offset);
      return { size, data: buf.subarray(0, got).toString('base64') };
    } finally {
      closeSync(fd);
    }
  }
}

function normalize(p: string): string {
  const n = posix.normalize(`/${p}`).replace(/\/+$/, '');
  return n === '' ? '/' : n;
}

function fileInfo(virtualPath: string, real: string): Record<string, unknown> {
  const st = lstatSync(real);
  return {
    path: virtualPath,
    nlink: st.nlink,
    size: st.size,
    mtime: nanos(BigInt(Math.floor(st.mtimeMs / 1000)) * 1_000_000_000n),
    mode: st.mode,
    uid: process.env.USER ?? String(st.uid),
    gid: String(st.gid),
  };
}
