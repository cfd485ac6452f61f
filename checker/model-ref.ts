/**
 * A model named by module path, so that worker threads (and other processes) can load their own
 * copy: `{ module: 'bench/beem/peterson.ts', export: 'peterson', args: [4] }` is `peterson(4)`
 * from that file. Functions cannot cross threads; a module path and JSON arguments can.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompactModel } from './compact.ts';

export interface ModelRef {
  /** Path of the module, relative to the working directory or absolute. */
  module: string;
  /** The export (default: 'default'): a compact model, or a function returning one. */
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
