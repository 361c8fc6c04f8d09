/**
 * Builds and runs the strict decoder of test/conformance/java: Mesos 1.11's own generated protobuf classes with
 * protobuf-java-util's JsonFormat parser (see StrictDecoder.java for the rules). One Maven run builds it (skipped
 * when nothing changed), one JVM decodes every answer.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Maven project. */
export const JAVA_PROJECT = join(__dirname, 'java');
const CLASSPATH_FILE = join(JAVA_PROJECT, 'target', 'classpath.txt');
const MAIN_CLASS_FILE = join(JAVA_PROJECT, 'target', 'classes', 'conformance', 'StrictDecoder.class');

/** One answer to decode: its message type (`mesos.v1.master.Response`, ...) and its exact JSON text. */
export interface Answer {
  id: string;
  type: string;
  json: string;
}

/** The decoder's verdict on one answer. */
export interface Verdict {
  id: string;
  ok: boolean;
  errors: string[];
}

/** How the decoder was made ready. */
export interface Build {
  classpath: string;
  /** `up-to-date`: nothing to build; `offline`: `mvn -o` from the local repository; `online`: a first resolve. */
  mode: 'up-to-date' | 'offline' | 'online';
  ms: number;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  if (!existsSync(CLASSPATH_FILE) || !existsSync(MAIN_CLASS_FILE)) return false;
  const built = Math.min(statSync(CLASSPATH_FILE).mtimeMs, statSync(MAIN_CLASS_FILE).mtimeMs);
  const sources = Math.max(statSync(join(JAVA_PROJECT, 'pom.xml')).mtimeMs, newestSource(join(JAVA_PROJECT, 'src')));
  if (sources > built) return false;
  return readFileSync(CLASSPATH_FILE, 'utf8').trim().split(':').every((jar) => existsSync(jar));
}

function requireTool(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `${what} ('${cmd}') is not available: the strict protocol check builds ${JAVA_PROJECT} with Maven 3.8+ and Java 17 ` +
        `(on Debian: apt-get install maven openjdk-17-jdk-headless). ${r.error?.message ?? r.stderr}`,
    );
  }
}

function mvn(offline: boolean): Promise<{ ok: boolean; output: string }> {
  const args = ['-q', '-B', ...(offline ? ['-o'] : []), 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`];
  return new Promise((resolve) => {
    execFile('mvn', args, { cwd: JAVA_PROJECT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}` }));
  });
}

/**
 * Makes the decoder ready: nothing when it is up to date, else `mvn -o` (the local repository), else a first
 * online resolve from Maven Central.
 * @throws Error naming the missing tool when `mvn` or `java` is not installed, or with Maven's output when the build fails.
 */
export async function buildStrictDecoder(): Promise<Build> {
  requireTool('java', ['-version'], 'Java');
  const started = Date.now();
  if (upToDate()) return { classpath: readFileSync(CLASSPATH_FILE, 'utf8').trim(), mode: 'up-to-date', ms: Date.now() - started };
  requireTool('mvn', ['-v'], 'Maven');
  let mode: Build['mode'] = 'offline';
  let r = await mvn(true);
  if (!r.ok) {
    mode = 'online';
    r = await mvn(false);
  }
  if (!r.ok) throw new Error(`mvn failed to build ${JAVA_PROJECT}:\n${r.output}`);
  return { classpath: readFileSync(CLASSPATH_FILE, 'utf8').trim(), mode, ms: Date.now() - started };
}

/**
 * Decodes every answer in one JVM.
 * @returns each answer's verdict, in input order.
 * @throws Error when the JVM fails or leaves an answer without a verdict.
 */
export async function decodeStrictly(build: Build, answers: Answer[]): Promise<Verdict[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-conformance-'));
  try {
    const file = join(dir, 'answers.jsonl');
    writeFileSync(file, answers.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const cp = `${join(JAVA_PROJECT, 'target', 'classes')}:${build.classpath}`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('java', ['-cp', cp, 'conformance.StrictDecoder', file], { maxBuffer: 256 * 1024 * 1024 }, (err, out, errOut) =>
        err ? reject(new Error(`the strict decoder failed: ${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    const verdicts = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Verdict);
    if (verdicts.length !== answers.length) throw new Error(`the strict decoder gave ${verdicts.length} verdicts for ${answers.length} answers`);
    return verdicts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
