/**
 * A BFS level of object states, held as int32 words where a state's form allows it exactly, so
 * that the level's states are not JavaScript objects the garbage collector copies and promotes
 * while they wait their turn (on peterson.4's object model that copying was a third of the
 * search's time). A state is rebuilt, equal member for member, when its turn comes.
 *
 * The form is learnt from the level's first state: a plain unfrozen object whose members are,
 * in the same enumeration order each time, int32 integers or plain unfrozen arrays of them (a
 * user's state of counters and pcs), or such an array itself (asObjectModel's states). A state
 * of any other form, or with a value the words cannot hold exactly (-0, a fraction, a hole, a
 * string), is kept as it is; so is every state when the first one has no such form.
 */

const INT = -1;

/** How a state is written: per member, INT or ARRAY; `keys` undefined for a top-level array. */
interface Form {
  keys: string[] | undefined;
}

function isWord(v: unknown): v is number {
  return typeof v === 'number' && (v | 0) === v && !Object.is(v, -0);
}

function isWordArray(v: unknown): v is number[] {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype || Object.isFrozen(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isWord(v[i])) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !Object.isFrozen(v);
}

/** The form of `s`, or undefined when it has none the words can hold. */
function formOf(s: unknown): Form | undefined {
  if (isWordArray(s)) return { keys: undefined };
  if (!isPlainObject(s)) return undefined;
  // Hidden members (non-enumerable, symbol-keyed) would be lost in the words.
  if (Object.getOwnPropertySymbols(s).length > 0) return undefined;
  const keys = Object.getOwnPropertyNames(s);
  for (const k of keys) {
    if (!Object.prototype.propertyIsEnumerable.call(s, k)) return undefined;
    const v = s[k];
    if (!isWord(v) && !isWordArray(v)) return undefined;
  }
  return { keys };
}

export class Frontier<S> {
  private words: Int32Array = new Int32Array(1 << 12);
  private used = 0;
  /** Per state: where its words start, or -(1 + i) for objects[i]. */
  private starts: Int32Array = new Int32Array(1 << 10);
  private readonly objects: S[] = [];
  private ids: Uint32Array = new Uint32Array(1 << 10);
  length = 0;

  constructor(private form: Form | null | undefined) {}

  /** Takes the form another level learnt, unless this one learnt its own. */
  learn(form: Form | null | undefined): void {
    this.form ??= form;
  }

  /** Empties the frontier for another level, keeping its buffers (and the form learnt). */
  clear(): void {
    this.length = 0;
    this.used = 0;
    this.objects.length = 0;
  }

  /** The form learnt so far (undefined: not yet; null: none), to pass to the next level. */
  get learnt(): Form | null | undefined {
    return this.form;
  }

  push(s: S, id: number): void {
    if (this.length === this.starts.length) {
      this.starts = grow(this.starts);
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    if (this.form === undefined) this.form = formOf(s) ?? null;
    const at = this.form === null ? -1 : this.write(s, this.form);
    if (at < 0) {
      this.objects.push(s);
      this.starts[this.length] = -this.objects.length;
    } else this.starts[this.length] = at;
    this.ids[this.length] = id;
    this.length++;
  }

  id(j: number): number {
    return this.ids[j]!;
  }

  /** State j, rebuilt from its words or as it was pushed. */
  state(j: number): S {
    const at = this.starts[j]!;
    if (at < 0) return this.objects[-at - 1]!;
    const form = this.form!;
    const w = this.words;
    if (form.keys === undefined) return readArray(w, at) as S;
    const o: Record<string, unknown> = {};
    let p = at;
    for (const k of form.keys) {
      const tag = w[p++]!;
      if (tag === INT) o[k] = w[p++]!;
      else {
        o[k] = readArray(w, p - 1);
        p += tag;
      }
    }
    return o as S;
  }

  /** Writes `s` in `form`; its start, or -1 (nothing written) when it does not fit the form exactly. */
  private write(s: S, form: Form): number {
    const start = this.used;
    if (form.keys === undefined) return this.writeArray(s) ? start : -1;
    if (!isPlainObject(s)) return -1;
    const keys = form.keys;
    let i = 0;
    for (const k in s) {
      if (k !== keys[i]) {
        this.used = start;
        return -1;
      }
      i++;
      const v = s[k];
      if (isWord(v)) {
        this.ensure(2);
        this.words[this.used++] = INT;
        this.words[this.used++] = v;
      } else if (!this.writeArray(v)) {
        this.used = start;
        return -1;
      }
    }
    // Also no hidden members: as many own names as enumerable keys.
    if (i !== keys.length || Object.getOwnPropertyNames(s).length !== i || Object.getOwnPropertySymbols(s).length > 0) {
      this.used = start;
      return -1;
    }
    return start;
  }

  /**
   * Writes `a` when it is a plain unfrozen array of int32s (isWordArray), checking each element
   * as it is written: one pass, not two. False when it is not; the caller then rewinds `used`.
   */
  private writeArray(a: unknown): boolean {
    if (!Array.isArray(a) || Object.getPrototypeOf(a) !== Array.prototype || Object.isFrozen(a)) return false;
    const n = a.length;
    this.ensure(n + 1);
    const w = this.words;
    let p = this.used;
    w[p++] = n;
    for (let i = 0; i < n; i++) {
      const el: unknown = a[i];
      if (!isWord(el)) return false;
      w[p++] = el;
    }
    this.used = p;
    return true;
  }

  private ensure(n: number): void {
    if (this.used + n > this.words.length) this.growWords(n);
  }

  private growWords(n: number): void {
    let cap = this.words.length * 2;
    while (cap < this.used + n) cap *= 2;
    const w = new Int32Array(cap);
    w.set(this.words.subarray(0, this.used));
    this.words = w;
  }
}

function readArray(w: Int32Array, at: number): number[] {
  const n = w[at]!;
  // Literals for the short arrays of most states: packed and of their exact size, where push()
  // gives each array a backing store of 17 elements for the collector to copy.
  switch (n) {
    case 0:
      return [];
    case 1:
      return [w[at + 1]!];
    case 2:
      return [w[at + 1]!, w[at + 2]!];
    case 3:
      return [w[at + 1]!, w[at + 2]!, w[at + 3]!];
    case 4:
      return [w[at + 1]!, w[at + 2]!, w[at + 3]!, w[at + 4]!];
    default: {
      const a: number[] = [];
      for (let i = 1; i <= n; i++) a.push(w[at + i]!);
      return a;
    }
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
