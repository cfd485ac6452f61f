/**
 * What changed between two states, as a list of paths (`tasks[0].pc: 2 → 3`), so that a trace
 * shows each step's effect rather than the whole world again.
 */
import { printable } from '../checker/sanity.ts';

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

/** The changes from `a` to `b`, depth first, in key order. Identical sub-objects are skipped by identity first. */
export function diffStates(a: unknown, b: unknown, path = '', out: Change[] = []): Change[] {
  if (a === b) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= a.length) out.push({ path: childPath(path, i), after: b[i] });
      else if (i >= b.length) out.push({ path: childPath(path, i), before: a[i] });
      else diffStates(a[i], b[i], childPath(path, i), out);
    }
    return out;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const inA = k in a && a[k] !== undefined;
      const inB = k in b && b[k] !== undefined;
      if (inA && !inB) out.push({ path: childPath(path, k), before: a[k] });
      else if (!inA && inB) out.push({ path: childPath(path, k), after: b[k] });
      else if (inA && inB) diffStates(a[k], b[k], childPath(path, k), out);
    }
    return out;
  }
  if (printable(a) !== printable(b)) out.push({ path: path === '' ? '(state)' : path, before: a, after: b });
  return out;
}

/** Compact one-line JSON, cut to `max` characters. */
export function brief(v: unknown, max = 100): string {
  const s = printable(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatChange(c: Change): string {
  if (!('before' in c)) return `${c.path} = ${brief(c.after)}`;
  if (!('after' in c)) return `${c.path} removed (was ${brief(c.before)})`;
  return `${c.path}: ${brief(c.before)} → ${brief(c.after)}`;
}

/** Every leaf of a state as `path = value` lines: how the initial state of a trace is shown. */
export function flatten(v: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(v) && v.length > 0) {
    v.forEach((x, i) => flatten(x, childPath(path, i), out));
  } else if (isPlainObject(v) && Object.keys(v).length > 0) {
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) flatten(v[k], childPath(path, k), out);
  } else {
    out.push(`${path === '' ? '(state)' : path} = ${brief(v)}`);
  }
  return out;
}
