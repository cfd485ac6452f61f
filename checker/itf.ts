/**
 * The Informal Trace Format (ITF) of Apalache and Quint, so that a counterexample can be kept
 * in a file, opened by existing ITF viewers, and replayed. Written from the format's definition
 * (Apalache ADR-015, https://apalache-mc.org/docs/adr/015adr-trace.html):
 *
 * - a trace is a JSON object with `vars` (the state variables' names), `states` (one object per
 *   state holding every variable, and optionally `#meta`), and optionally `#meta`, `params`
 *   (parameter names, present in every state too) and `loop` (the index a lasso returns to);
 * - values: booleans and strings as in JSON; integers as JSON numbers within ±(2^53 − 1) or as
 *   `{"#bigint": "-?[0-9]+"}`; lists as JSON arrays; records as JSON objects; tuples as
 *   `{"#tup": [...]}`, sets as `{"#set": [...]}`, maps as `{"#map": [[k, v], ...]}`; a value the
 *   writer cannot express as `{"#unserializable": "text"}`. There is no null.
 *
 * Generic: any JSON-like state. Integers are always written as `#bigint` (as Quint does),
 * null as `{"#unserializable": "null"}`, other numbers as `{"#unserializable": "<number>"}`;
 * `fromItf` inverts exactly that, so a state survives the round trip unchanged.
 */

export type ItfValue =
  | boolean
  | string
  | number
  | ItfValue[]
  | { '#bigint': string }
  | { '#tup': ItfValue[] }
  | { '#set': ItfValue[] }
  | { '#map': Array<[ItfValue, ItfValue]> }
  | { '#unserializable': string }
  | { [field: string]: ItfValue };

export interface ItfState {
  '#meta'?: Record<string, unknown>;
  [variable: string]: unknown;
}

export interface ItfTrace {
  '#meta'?: Record<string, unknown>;
  params?: string[];
  vars: string[];
  states: ItfState[];
  loop?: number;
}

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';

const SPECIAL = ['#bigint', '#tup', '#set', '#map', '#unserializable'] as const;

/** Encodes a JSON-like value (plus Map, Set and bigint) as an ITF value. */
export function toItf(v: unknown, path = 'value'): ItfValue {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { '#bigint': v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { '#bigint': BigInt(v).toString() } : { '#unserializable': String(v) };
  if (v === null) return { '#unserializable': 'null' };
  if (Array.isArray(v)) return v.map((x, i) => toItf(x, `${path}[${i}]`));
  if (v instanceof Set) return { '#set': [...v].map((x) => toItf(x, path)) };
  if (v instanceof Map) return { '#map': [...v].map(([k, x]): [ItfValue, ItfValue] => [toItf(k, path), toItf(x, path)]) };
  if (typeof v === 'object') {
    const out: Record<string, ItfValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      if (k.startsWith('#')) throw new Error(`${path}.${k}: a record field may not start with "#" in ITF`);
      out[k] = toItf(x, `${path}.${k}`);
    }
    return out;
  }
  return { '#unserializable': String(v) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes what `toItf` wrote: #bigint to number, the null and number forms back; tuples and sets as arrays, maps as arrays of pairs. */
export function fromItf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromItf);
  if (!isRecord(v)) return v;
  if ('#bigint' in v) return Number(v['#bigint']);
  if ('#unserializable' in v) {
    const s = String(v['#unserializable']);
    if (s === 'null') return null;
    const n = Number(s);
    return Number.isNaN(n) && s !== 'NaN' ? s : n;
  }
  if ('#tup' in v) return (v['#tup'] as unknown[]).map(fromItf);
  if ('#set' in v) return (v['#set'] as unknown[]).map(fromItf);
  if ('#map' in v) return (v['#map'] as Array<[unknown, unknown]>).map(([k, x]) => [fromItf(k), fromItf(x)]);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromItf(x);
  return out;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Problems with one value, each naming its JSON path. */
function checkValue(v: unknown, path: string, out: string[]): void {
  if (typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > MAX_SAFE) out.push(`${path}: the number ${v} is not an integer within ±(2^53 − 1); use {"#bigint": "..."}`);
    return;
  }
  if (v === null || v === undefined) {
    out.push(`${path}: ${String(v)} is not an ITF value`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkValue(x, `${path}[${i}]`, out));
    return;
  }
  if (!isRecord(v)) {
    out.push(`${path}: not an ITF value`);
    return;
  }
  const keys = Object.keys(v);
  const special = keys.filter((k) => k.startsWith('#'));
  if (special.length === 0) {
    for (const k of keys) checkValue(v[k], `${path}.${k}`, out);
    return;
  }
  const k = special[0]!;
  if (keys.length !== 1 || !(SPECIAL as readonly string[]).includes(k)) {
    out.push(`${path}: an object with a "#" field must be exactly one of ${SPECIAL.join(', ')} (found ${keys.join(', ')})`);
    return;
  }
  const x = v[k];
  if (k === '#bigint') {
    if (typeof x !== 'string' || !/^-?[0-9]+$/.test(x)) out.push(`${path}.#bigint: must be a string of decimal digits with an optional "-", not ${JSON.stringify(x)}`);
  } else if (k === '#unserializable') {
    if (typeof x !== 'string') out.push(`${path}.#unserializable: must be a string`);
  } else if (k === '#map') {
    if (!Array.isArray(x)) out.push(`${path}.#map: must be an array of [key, value] pairs`);
    else
      x.forEach((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) out.push(`${path}.#map[${i}]: must be a [key, value] pair`);
        else {
          checkValue(pair[0], `${path}.#map[${i}][0]`, out);
          checkValue(pair[1], `${path}.#map[${i}][1]`, out);
        }
      });
  } else if (!Array.isArray(x)) out.push(`${path}.${k}: must be an array`);
  else x.forEach((e, i) => checkValue(e, `${path}.${k}[${i}]`, out));
}

/** Every way `doc` departs from the ITF definition, each naming its JSON path; empty when it conforms. */
export function validateItf(doc: unknown): string[] {
  const out: string[] = [];
  if (!isRecord(doc)) return ['the trace must be a JSON object'];
  for (const k of Object.keys(doc)) {
    if (!['#meta', 'params', 'vars', 'states', 'loop'].includes(k)) out.push(`${k}: not a field of an ITF trace (#meta, params, vars, states, loop)`);
  }
  if (doc['#meta'] !== undefined && !isRecord(doc['#meta'])) out.push('#meta: must be an object');
  const names = (field: 'vars' | 'params'): string[] => {
    const v = doc[field];
    if (v === undefined && field === 'params') return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      out.push(`${field}: must be an array of strings`);
      return [];
    }
    if (new Set(v).size !== v.length) out.push(`${field}: names must be distinct`);
    return v as string[];
  };
  const vars = names('vars');
  const params = names('params');
  const states = doc.states;
  if (!Array.isArray(states)) {
    out.push('states: must be an array');
    return out;
  }
  const expected = new Set([...params, ...vars]);
  states.forEach((s, i) => {
    const where = `states[${i}]`;
    if (!isRecord(s)) {
      out.push(`${where}: must be an object`);
      return;
    }
    if (s['#meta'] !== undefined && !isRecord(s['#meta'])) out.push(`${where}.#meta: must be an object`);
    for (const name of expected) if (!(name in s)) out.push(`${where}: variable "${name}" is missing`);
    for (const k of Object.keys(s)) {
      if (k === '#meta') continue;
      if (!expected.has(k)) out.push(`${where}.${k}: not one of the trace's vars or params`);
      else checkValue(s[k], `${where}.${k}`, out);
    }
  });
  if (doc.loop !== undefined && (typeof doc.loop !== 'number' || !Number.isInteger(doc.loop) || doc.loop < 0 || doc.loop >= states.length)) {
    out.push(`loop: must be the index of a state (0 to ${states.length - 1})`);
  }
  return out;
}
