/**
 * Printing values JSON cannot hold: what a model's state may carry (BigInt, NaN, a Map the
 * sanity check refuses) written so that a trace, --json and a diff never throw on it.
 */

/**
 * A copy of `v` that JSON.stringify can write and a reader can understand: BigInt as
 * "12n", NaN and ±Infinity as strings, undefined array members as null, Map and Set as
 * tagged lists, functions and symbols by name.
 */
export function jsonSafe(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return `${v.toString()}n`;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'function':
      return `[function ${v.name || '(anonymous)'}]`;
    case 'symbol':
      return `[${String(v)}]`;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : jsonSafe(x)));
      if (v instanceof Map) return { '[Map]': [...v.entries()].map(([k, x]) => [jsonSafe(k), jsonSafe(x)]) };
      if (v instanceof Set) return { '[Set]': [...v.values()].map(jsonSafe) };
      if (v instanceof Date) return { '[Date]': Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = jsonSafe(x);
      }
      return out;
    }
    default:
      return v;
  }
}

/** JSON.stringify that never throws on a value a model may hold (see jsonSafe). */
export function printable(v: unknown, space?: number): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(jsonSafe(v), null, space);
}
