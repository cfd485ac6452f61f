/**
 * A model named by module path, so that worker threads (and other processes) can load their own
 * copy: `{ module: 'bench/beem/peterson.ts', export: 'peterson', args: [4] }` is `peterson(4)`
 * from that file. Functions cannot cross threads; a module path and JSON arguments can. The
 * export may be a model, or a function (possibly async) returning one: a compact model
 * (loadCompactModel) or an object `Model` (loadModel).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompactModel } from './compact.ts';
import type { Model } from './types.ts';

export interface ModelRef {
  /** Path of the module, relative to the working directory or absolute. */
  module: string;
  /** The export (default: 'default'): a model, or a function (sync or async) returning one. */
  export?: string;
  /** Arguments for that function. */
  args?: unknown[];
}

export async function loadCompactModel(ref: ModelRef): Promise<CompactModel> {
  const mod = (await import(pathToFileURL(resolve(ref.module)).href)) as Record<string, unknown>;
  const name = ref.export ?? 'default';
  let v = mod[name];
  if (v === undefined) throw new Error(`${ref.module} has no export "${name}"`);
  if (typeof v === 'function') v = (v as (...a: unknown[]) => unknown)(...(ref.args ?? []));
  const m = v as Partial<CompactModel>;
  if (typeof m !== 'object' || m === null || typeof m.width !== 'number' || !Array.isArray(m.transitions) || typeof m.enabled !== 'function' || typeof m.apply !== 'function' || typeof m.init !== 'function') {
    throw new Error(`${ref.module}: export "${name}" is not a compact model (width, init, transitions, enabled, apply)`);
  }
  return m as CompactModel;
}

/** The value `ref` names: its export, called with `args` (and awaited) when it is a function. */
async function loadExport(ref: ModelRef): Promise<unknown> {
  const mod = (await import(pathToFileURL(resolve(ref.module)).href)) as Record<string, unknown>;
  const name = ref.export ?? 'default';
  const v = mod[name];
  if (v === undefined) throw new Error(`${ref.module} has no export "${name}"`);
  return typeof v === 'function' ? await (v as (...a: unknown[]) => unknown)(...(ref.args ?? [])) : v;
}

/** An object model (checker/types.ts `Model`) named by `ref`, for the parallel object search. */
export async function loadModel(ref: ModelRef): Promise<Model<unknown, unknown>> {
  const m = (await loadExport(ref)) as Partial<Model<unknown, unknown>> | null;
  if (typeof m !== 'object' || m === null || typeof m.init !== 'function' || typeof m.actions !== 'function' || typeof m.next !== 'function') {
    throw new Error(`${ref.module}: export "${ref.export ?? 'default'}" is not a model (init, actions, next)`);
  }
  return m as Model<unknown, unknown>;
}
