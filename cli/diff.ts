/**
 * What changed between two states, as a list of paths (`tasks › T1 › next: 1/2 … → 2/2 …`), so
 * that a trace shows each step's effect rather than the whole world again.
 *
 * Things are followed by identity, never by position: object keys are identities already (a
 * model's `view` keys bios by "bio#2"), and an array whose members all carry a distinct `id`
 * is compared member by member by that id, so a bio that completes is one removed entry, not a
 * shift of every later one.
 */
import { printable } from '../checker/printable.ts';

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b` for keys (as people wrote them, spaces and all), `a[3]` for positions. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = key === '' || /[.[\]]/.test(key) ? JSON.stringify(key) : key;
  return path === '' ? k : `${path}.${k}`;
}

type Id = string | number;

/** The members' ids when every member of both arrays has a distinct primitive `id`, else null. */
function identities(a: readonly unknown[], b: readonly unknown[]): { a: Id[]; b: Id[] } | null {
  const ids = (xs: readonly unknown[]): Id[] | null => {
    const out: Id[] = [];
    for (const x of xs) {
      const id = isPlainObject(x) ? x.id : undefined;
      if (typeof id !== 'string' && typeof id !== 'number') return null;
      out.push(id);
    }
    return new Set(out).size === out.length ? out : null;
  };
  if (a.length + b.length === 0) return null;
  const ia = ids(a);
  const ib = ids(b);
  return ia === null || ib === null ? null : { a: ia, b: ib };
}

function diffArrays(a: readonly unknown[], b: readonly unknown[], path: string, out: Change[]): void {
  const ids = identities(a, b);
  if (ids !== null) {
    const at = (id: Id): string => `${path}[id=${typeof id === 'string' ? JSON.stringify(id) : id}]`;
    ids.a.forEach((id, i) => {
      const j = ids.b.indexOf(id);
      if (j < 0) out.push({ path: at(id), before: a[i] });
      else diffStates(a[i], b[j], at(id), out);
    });
    ids.b.forEach((id, j) => {
      if (!ids.a.includes(id)) out.push({ path: at(id), after: b[j] });
    });
    return;
  }
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (i >= a.length) out.push({ path: childPath(path, i), after: b[i] });
    else if (i >= b.length) out.push({ path: childPath(path, i), before: a[i] });
    else diffStates(a[i], b[i], childPath(path, i), out);
  }
}

/** The changes from `a` to `b`, depth first, keys in the order the newer state lists them. */
export function diffStates(a: unknown, b: unknown, path = '', out: Change[] = []): Change[] {
  if (a === b) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    diffArrays(a, b, path, out);
    return out;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
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

/** One-line rendering of a value: strings as they are, anything else as compact JSON (BigInt and other JSON-unsafe values printed, see checker/sanity.ts printable), never cut. */
export function brief(v: unknown): string {
  if (typeof v === 'string') return v;
  return printable(v);
}

/** One line per change; a whole new object is spelt out leaf by leaf, as the initial state is. */
export function formatChange(c: Change): string[] {
  if (!('before' in c)) return flatten(c.after, c.path);
  return [formatChangeLine(c)];
}

function formatChangeLine(c: Change): string {
  if (!('after' in c)) return `${c.path} removed (was ${brief(c.before)})`;
  return `${c.path}: ${brief(c.before)} → ${brief(c.after)}`;
}

/** Every leaf of a state as `path = value` lines: how the initial state of a trace is shown. */
export function flatten(v: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(v) && v.length > 0) {
    v.forEach((x, i) => flatten(x, childPath(path, i), out));
  } else if (isPlainObject(v) && Object.keys(v).length > 0) {
    for (const k of Object.keys(v)) if (v[k] !== undefined) flatten(v[k], childPath(path, k), out);
  } else {
    out.push(`${path === '' ? '(state)' : path} = ${brief(v)}`);
  }
  return out;
}
