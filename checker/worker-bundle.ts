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
 * whose child process and two builds delay the workers' start by about a tenth of a second, and
 * whose replies each wait for a turn of the coordinator's event loop (one level of its search).
 * A pair is cached only once its model has loaded and matched the original.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

/**
 * The URL of a worker module beside this file, in the language this file runs as: `.ts` from
 * the sources (under tsx), `.js` from the package's compiled `dist/`.
 */
export function workerModuleUrl(name: string): string {
  return new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
}

/**
 * The bundle from the cache, without a turn of the event loop (the coordinator is searching and
 * turns it only between levels), or undefined if the cache has nothing current for it.
 */
export function cachedBundle(ref: ModelRef): WorkerBundle | undefined {
  const key = cacheKey(ref);
  if (key === undefined) return undefined;
  try {
    const c = JSON.parse(readFileSync(key.file, 'utf8')) as Compiled;
    for (const [path, hash] of Object.entries(c.inputs)) if (sha256(readFileSync(path)) !== hash) return undefined;
    // Cached only once it had loaded as the model (bundleWorker), so not checked again.
    const file = modelFile(key.dir, c.model);
    if (!existsSync(file)) return undefined;
    return { code: c.worker, ref: { ...ref, module: file }, cached: true, remove: () => Promise.resolve() };
  } catch {
    return undefined;
  }
}

/**
 * The bundle, compiled (and cached), or the reason there is none. Its file work is synchronous
 * (a few small files): each await waits for a turn of the coordinator's event loop, a level of
 * its search, and only esbuild's builds and loading the compiled model need one.
 */
export async function bundleWorker(ref: ModelRef, model: CompactModel): Promise<WorkerBundle | string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    return `esbuild is not available (${e instanceof Error ? e.message : String(e)})`;
  }
  const built = await compile(esbuild, WORKER, resolve(ref.module));
  if (typeof built === 'string') return `esbuild could not compile ${ref.module} (${built})`;
  // A compiled module lives elsewhere, so what it finds through import.meta would change.
  if (/\bimport\.meta\b/.test(built.model)) return `${ref.module} uses import.meta`;
  const key = cacheKey(ref);
  // In the cache, the model's file is named by its content, so that it is never rewritten under a
  // process that has it loaded; without a cache, in a directory of this search's own.
  const dir = key?.dir ?? mkdtempSync(join(tmpdir(), 'writepath-worker-'));
  const remove = (): Promise<void> => (key === undefined ? rm(dir, { recursive: true, force: true }) : Promise.resolve());
  try {
    const file = modelFile(dir, built.model);
    if (!existsSync(file)) writeAtomically(file, built.model);
    const compiled: ModelRef = { ...ref, module: file };
    // Loaded here once, so that a compiled model that does not load or differs falls back.
    const check = await loadCompactModel(compiled);
    if (check.width !== model.width || check.transitions.join('\n') !== model.transitions.join('\n')) throw new Error('the compiled model differs from the model');
    if (key !== undefined) toCache(key.file, built);
    return { code: built.worker, ref: compiled, cached: false, remove };
  } catch (e) {
    await remove();
    return `the compiled ${ref.module} does not load as the original (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Drops `ref`'s cached bundle, so that the next start compiles (bench/worker-phases.ts `cold`). */
export function forgetCachedBundle(ref: ModelRef): void {
  const key = cacheKey(ref);
  if (key !== undefined) rmSync(key.file, { force: true });
}

/** The worker beside this file, in the same language (.ts here, .js in dist/). */
const WORKER = fileURLToPath(workerModuleUrl('compact-worker'));

const modelFile = (dir: string, code: string): string => join(dir, `${sha256(code)}.mjs`);

/** Where `ref`'s bundle is cached: by the worker's and the model's paths and esbuild's version. */
function cacheKey(ref: ModelRef): { dir: string; file: string } | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  let version: string;
  try {
    version = (createRequire(import.meta.url)('esbuild/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
  return { dir, file: join(dir, `${sha256(JSON.stringify([CACHE_FORMAT, version, WORKER, resolve(ref.module)]))}.json`) };
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
    for (const p of paths) inputs[p] = sha256(readFileSync(p));
    return { worker: w.outputFiles[0]!.text, model: m.outputFiles[0]!.text, inputs };
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

function toCache(key: string, c: Compiled): void {
  try {
    writeAtomically(key, JSON.stringify(c));
  } catch {
    // A cache that cannot be written only costs the next run a compile.
  }
}

/** Written under a temporary name, then renamed: a concurrent reader sees all of it or nothing. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * This user's cache directory in the temporary directory, or undefined: the workers run the code
 * found there, so it is used only if it is ours and no one else can write to it.
 */
function cacheDir(): string | undefined {
  const uid = process.getuid?.() ?? -1;
  const dir = join(tmpdir(), `writepath-worker-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const st = statSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}
