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
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  /** Removes the compiled model's directory. */
  remove(): Promise<void>;
}

/**
 * The URL of a worker module beside this file, in the language this file runs as: `.ts` from
 * the sources (under tsx), `.js` from the package's compiled `dist/`.
 */
export function workerModuleUrl(name: string): string {
  return new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
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
  const worker = fileURLToPath(workerModuleUrl('compact-worker'));
  const common = { bundle: true, platform: 'node', target: 'node20', write: false, logLevel: 'silent' } as const;
  let built: [string, string];
  try {
    const [w, m] = await Promise.all([esbuild.build({ ...common, entryPoints: [worker], format: 'cjs' }), esbuild.build({ ...common, entryPoints: [resolve(ref.module)], format: 'esm' })]);
    built = [w.outputFiles[0]!.text, m.outputFiles[0]!.text];
  } catch (e) {
    return `esbuild could not compile ${ref.module} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  // A compiled module lives elsewhere, so what it finds through import.meta would change.
  if (/\bimport\.meta\b/.test(built[1])) return `${ref.module} uses import.meta`;
  const dir = await mkdtemp(join(tmpdir(), 'writepath-worker-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const file = join(dir, 'model.mjs');
    await writeFile(file, built[1]);
    const compiled: ModelRef = { ...ref, module: file };
    // Loaded here once, so that a compiled model that does not load or differs falls back.
    const check = await loadCompactModel(compiled);
    if (check.width !== model.width || check.transitions.join('\n') !== model.transitions.join('\n')) throw new Error('the compiled model differs from the model');
    return { code: built[0], ref: compiled, remove };
  } catch (e) {
    await remove();
    return `the compiled ${ref.module} does not load as the original (${e instanceof Error ? e.message : String(e)})`;
  }
}
