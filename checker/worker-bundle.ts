/**
 * The worker threads' code, compiled once by the coordinator with esbuild (the compiler tsx
 * itself runs on, hence a dependency of ours too): the worker as one CommonJS script, the model
 * module as one ES module file. A worker started from them is plain JavaScript and needs no
 * TypeScript loader. Registering tsx in a thread costs it a loader-hooks thread of its own and a
 * synchronous round trip to that thread for every module it loads: a quarter of a second per
 * worker on an idle machine, over a second on a loaded one (bench/README.md, issue 10g).
 *
 * Bundling can fail where tsx would not (a model that reads `import.meta`, a package esbuild
 * cannot inline, esbuild missing): then `bundleWorker` says why and the pool falls back to
 * registering tsx in each worker.
 *
 * The compiled pair is cached in this user's directory under the temporary directory, keyed by
 * the worker's and the model's paths and esbuild's version, and kept while every file esbuild
 * read for it has the same content (SHA-256): a second search of the same model skips esbuild,
 * whose child process and two builds delay the workers' start by about a tenth of a second.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import type { CompactModel } from './compact.ts';

export interface WorkerBundle {
  /** The worker, as a script for `new Worker(code, { eval: true })`. */
  code: string;
  /** The model, compiled: the same export and arguments from another module. */
  ref: ModelRef;
  /** Whether it came from the cache (no esbuild run). */
  cached: boolean;
  /** Removes the compiled model's directory (not the cache's). */
  remove(): Promise<void>;
}

/** The bundle, or the reason there is none. */
export async function bundleWorker(ref: ModelRef, model: CompactModel): Promise<WorkerBundle | string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    return `esbuild is not available (${e instanceof Error ? e.message : String(e)})`;
  }
  // The worker beside this file, in the same language (.ts here, .js in dist/).
  const worker = fileURLToPath(new URL(`./compact-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const entry = resolve(ref.module);
  const cache = await cacheDir();
  const key = cache === undefined ? undefined : join(cache, `${sha256(JSON.stringify([CACHE_FORMAT, esbuild.version, worker, entry]))}.json`);
  let built = key === undefined ? undefined : await fromCache(key);
  const cached = built !== undefined;
  if (built === undefined) {
    const fresh = await compile(esbuild, worker, entry);
    if (typeof fresh === 'string') return `esbuild could not compile ${ref.module} (${fresh})`;
    built = fresh;
    if (key !== undefined) await toCache(key, fresh);
  }
  // A compiled module lives elsewhere, so what it finds through import.meta would change.
  if (/\bimport\.meta\b/.test(built.model)) return `${ref.module} uses import.meta`;
  // In the cache, the model's file is named by its content, so that it is never rewritten under a
  // process that has it loaded; without a cache, in a directory of this search's own.
  const dir = cache ?? (await mkdtemp(join(tmpdir(), 'writepath-worker-')));
  const remove = (): Promise<void> => (cache === undefined ? rm(dir, { recursive: true, force: true }) : Promise.resolve());
  try {
    const file = join(dir, `${sha256(built.model)}.mjs`);
    if (cache === undefined || !(await exists(file))) await writeAtomically(file, built.model);
    const compiled: ModelRef = { ...ref, module: file };
    // Loaded here once, so that a compiled model that does not load or differs falls back.
    const check = await loadCompactModel(compiled);
    if (check.width !== model.width || check.transitions.join('\n') !== model.transitions.join('\n')) throw new Error('the compiled model differs from the model');
    return { code: built.worker, ref: compiled, cached, remove };
  } catch (e) {
    await remove();
    return `the compiled ${ref.module} does not load as the original (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Bump when what is cached, or how it is compiled, changes. */
const CACHE_FORMAT = 1;

/** The worker and the model compiled, and the files esbuild read for them (absolute path to content hash). */
interface Compiled {
  worker: string;
  model: string;
  inputs: Record<string, string>;
}

async function compile(esbuild: typeof import('esbuild'), worker: string, entry: string): Promise<Compiled | string> {
  const common = { bundle: true, platform: 'node', target: 'node20', write: false, logLevel: 'silent', metafile: true, absWorkingDir: process.cwd() } as const;
  try {
    const [w, m] = await Promise.all([esbuild.build({ ...common, entryPoints: [worker], format: 'cjs' }), esbuild.build({ ...common, entryPoints: [entry], format: 'esm' })]);
    const paths = [...Object.keys(w.metafile.inputs), ...Object.keys(m.metafile.inputs)].map((p) => resolve(p));
    const inputs: Record<string, string> = {};
    for (const p of paths) inputs[p] = sha256(await readFile(p));
    return { worker: w.outputFiles[0]!.text, model: m.outputFiles[0]!.text, inputs };
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

/**
 * The compiled pair cached under `key`, if every file it was compiled from still has the content
 * it had then: checking costs reading and hashing a dozen small files, where esbuild costs a
 * child process and two builds (about 0.1 s on an idle machine, before any worker can start).
 */
async function fromCache(key: string): Promise<Compiled | undefined> {
  try {
    const c = JSON.parse(await readFile(key, 'utf8')) as Compiled;
    for (const [path, hash] of Object.entries(c.inputs)) if (sha256(await readFile(path)) !== hash) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

async function toCache(key: string, c: Compiled): Promise<void> {
  try {
    await writeAtomically(key, JSON.stringify(c));
  } catch {
    // A cache that cannot be written only costs the next run a compile.
  }
}

/** Written under a temporary name, then renamed: a concurrent reader sees all of it or nothing. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * This user's cache directory in the temporary directory, or undefined: the workers run the code
 * found there, so it is used only if it is ours and no one else can write to it.
 */
async function cacheDir(): Promise<string | undefined> {
  const uid = process.getuid?.() ?? -1;
  const dir = join(tmpdir(), `writepath-worker-cache-${uid}`);
  try {
    await mkdir(dir, { mode: 0o700, recursive: true });
    const st = await stat(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}
