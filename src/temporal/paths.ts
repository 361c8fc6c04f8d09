import os from 'node:os';
import path from 'node:path';

/**
 * The per-user cache folder: built binaries live here so that fresh clones and CI runs on the same machine reuse them.
 * `MESOS_RUNBOOKS_CACHE` overrides it; otherwise `$XDG_CACHE_HOME/mesos-runbooks` or `~/.cache/mesos-runbooks`.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESOS_RUNBOOKS_CACHE) return path.resolve(env.MESOS_RUNBOOKS_CACHE);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'mesos-runbooks');
}

/** The project's own data folder (Temporal's SQLite files, demo state): `MESOS_RUNBOOKS_DATA` or `./.data`. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.MESOS_RUNBOOKS_DATA ?? path.join(projectRoot(), '.data'));
}

/** The repository root (two levels above this file, in source and in dist alike). */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (path.basename(dir) === 'src') return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return process.cwd();
}
