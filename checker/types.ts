/**
 * The checker's public contract. The checker knows nothing of file systems: a model is
 * any explicit-state transition system given by these few functions (compare stateright's
 * `Model` trait, or a TLA+ spec's Init/Next/invariants).
 */

export interface Model<S, A> {
  name: string;
  /** Initial states. */
  init(): S[];
  /** Actions enabled in `state`. An empty list is a deadlock unless done(state) is true. */
  actions(state: S): A[];
  /** Successor of `state` under `action`. Must be pure: the same inputs give an equal state. */
  next(state: S, action: A): S;
  /** Must hold in every reachable state, the initial ones included. */
  invariants?: Record<string, (state: S) => boolean>;
  /** Must hold in at least one reachable state of a complete search (guards against vacuity). */
  sometimes?: Record<string, (state: S) => boolean>;
  /** Terminal states that are not deadlocks. */
  done?(state: S): boolean;
  /** Canonical identity; default: the state's structure (equal canonical JSON = same state). */
  key?(state: S): string;
  /** Action name shown in traces and coverage. */
  label?(action: A): string;
  /** Optional: explains why an invariant failed in `state` (shown with the violation). */
  explain?(property: string, state: S): string | undefined;
  // Optional hooks for people reading a trace (none changes what the search does).
  /** The actor (lane) an action belongs to: "T1", "device", "journal", "power". */
  actor?(action: A): string;
  /**
   * The state as people read it: plain JSON whose object keys carry identity ("bio#2", "p3",
   * "folio 1") so that diffs follow things, not array positions; bookkeeping (ghost history,
   * counters the kernel does not keep) is left out unless `verbose`.
   */
  view?(state: S, verbose: boolean): unknown;
  /**
   * The cells (blocks) `property` is about, name → content, for the before/after table that ends
   * a trace ("file 0 block 1" → "A[1]").
   */
  cells?(state: S, property: string): Record<string, string>;
  /** What was checked: each actor's program, the settings with their variants, the bound. */
  about?(): ModelAbout;
  /**
   * Optional, for speed: the names of the model's action kinds, with `kindOf`. Coverage is then
   * counted per kind index, and `label` is called only for traces. Without them the checker
   * builds a label for every transition (cached when actions are strings or numbers).
   */
  actionKinds?: readonly string[];
  /** Index into `actionKinds` of an action. */
  kindOf?(action: A): number;
  /**
   * Optional, for speed: writes the state's identity as a sequence of words, in place of the
   * structural fingerprint or `key`. Two states must encode equally exactly when they are the
   * same state. Preferred over `key` when both are given.
   */
  encode?(state: S, out: StateEncoder): void;
  /**
   * Optional: what each actor's steps read and write, for partial-order reduction (the
   * `partialOrder` option; see reduce.ts and proofs-notes/checker.md). Without it, or with the
   * option off, every interleaving is explored.
   */
  footprints?: Footprints<S, A>;
  /**
   * Optional: the canonical member of `state`'s symmetry class, for symmetry reduction (the
   * `symmetry` option): states with one representative are stored once. It must commute with
   * the transitions and leave every property's value unchanged (e.g. sorting identical tasks).
   */
  representative?(state: S): S;
  /**
   * Optional: a canonical form of `state` for the `view` option (TLC's VIEW): states with equal
   * canonical forms are stored once. The relation "equal canonical forms" must be a
   * bisimulation: equal forms imply equal properties and `done`, and successors whose forms are
   * equal as multisets (e.g. renumbering a history clock while keeping every comparison made).
   */
  canonical?(state: S): S;
}

/** A model's description of itself, for trace headers and `writepath explain`. */
export interface ModelAbout {
  /** One entry per actor that runs a program (a user task), its calls in order. */
  programs: Array<{ actor: string; calls: string[] }>;
  /** Settings that shape the state space: a name, its value, the other values it could take. */
  settings: Array<{ name: string; value: string; variants?: string[]; doc?: string }>;
  /** One line per property checked, saying what it demands. */
  properties: Array<{ name: string; kind: 'invariant' | 'sometimes'; doc: string }>;
  /** The bound of the state space in words (tasks, blocks, power losses ...). */
  bound: string;
}

/** A name for a part of the state a step reads or writes: a variable, a task's own state, one block... */
export type Token = string | number;

export interface Footprint {
  reads: readonly Token[];
  writes: readonly Token[];
  /**
   * True: reads and writes everything (the top of the lattice), whatever `reads` and `writes`
   * say. A model gives it for steps it has not described, so that coverage can grow step by
   * step without ever being unsound.
   */
  all?: boolean;
}

/**
 * The process structure partial-order reduction needs (in the style of SPIN's "safe"
 * transitions, Holzmann and Peled 1994): every action belongs to one actor (a process, a task);
 * an actor's next steps and its whole future are over-approximated by footprints.
 */
export interface Footprints<S, A> {
  /** Actors are 0 .. actorCount-1. */
  actorCount: number;
  actorOf(action: A): number;
  /** What any step actor `p` can take next from `state`, enabled or not, may read and write. */
  next(state: S, p: number): Footprint;
  /** What actor `p` may read or write in any step from `state` on (a sound over-approximation). */
  future(state: S, p: number): Footprint;
  /**
   * Optional, used in place of `future` when given: what actor `q` may read or write in the
   * steps it takes along any path from `state` on which actor `p` takes no step (other actors
   * may). C1 only asks about such paths (the ample set is all of `p`'s enabled steps), so
   * what `q` can do only once `p` has moved — behind a lock `p` holds, after a step only `p`
   * can enable — may be left out. Must be a sound over-approximation of those steps.
   */
  futureWhile?(state: S, q: number, p: number): Footprint;
  /** What the invariants and sometimes-properties read: steps that write these are never deferred. */
  propertyReads: readonly Token[];
  /**
   * Optional: actors that only observe, such as a power loss. Their enabled actions are explored
   * in every state, beside the ample set, and are never deferred; every successor by one must
   * be terminal (no enabled action: the search checks it in the states it reduces, where
   * soundness rests on it). They are left out of the
   * independence test, so a step that one of them disables can still be in an ample set.
   */
  observers?: readonly number[];
  /**
   * With `observers`: what, in a state, the properties of its observers' successors depend on
   * (and whether an observer is enabled). Steps that write these are never deferred (C2).
   */
  observerReads?: readonly Token[];
  /**
   * Optional: the footprints are offered only on request. The command line turns the
   * reduction on by default for models that give footprints; for these only with `--por`.
   * (The spec's were until issue 10v.) Any footprints may be used with symmetry reduction:
   * ample sets are computed in the real state the frontier holds, so footprints sound in every
   * reachable state suffice (proofs-notes/checker.md, "Partial-order reduction with symmetry").
   */
  onRequest?: boolean;
}

/** Where `Model.encode` writes a state: each call hashes one more value into the fingerprint. */
export interface StateEncoder {
  /** A 32-bit integer (numbers outside the int32 range are hashed as doubles). */
  int(n: number): void;
  /** Any number. */
  num(n: number): void;
  str(s: string): void;
  bool(b: boolean): void;
}

export interface Progress {
  distinctStates: number;
  transitions: number;
  statesPerSecond: number;
  depth: number;
  frontier: number;
  elapsedMs: number;
}

export type Reduction = 'partial-order' | 'symmetry' | 'view';

export interface CheckOptions {
  /**
   * Also search for non-progress cycles (SPIN's -l mode, an explicit mode as there): a
   * reachable cycle of states none of which is done() — a retry that comes back to the same
   * state forever — is reported as a violation of 'progress' of kind 'livelock'. It is a
   * separate depth-first pass after the search (checker/progress.ts), run when the search
   * found nothing (or with stopAtFirst false); `maxStates` bounds it too.
   */
  progress?: boolean;
  /**
   * 'bfs' (default) gives shortest counterexamples; 'dfs' uses an explicit stack; 'random'
   * runs seeded random walks (see `seed`, `walks`, `maxDepth`) for state spaces too large to exhaust.
   */
  strategy?: 'bfs' | 'dfs' | 'random';
  /** Seed of the random strategy (default: drawn, and reported in the result so the run replays). */
  seed?: number;
  /** Number of random walks (default: until `timeLimitMs`, or 1,000 walks without one). */
  walks?: number;
  /** Swarm: this run is shard `index` of `count` (0-based); it derives its own seed and bounds. */
  shard?: { index: number; count: number };
  /**
   * Stop with status 'incomplete' when the process's memory nears this many bytes (default:
   * the smaller of half the machine's memory and 85% of the JavaScript heap limit).
   */
  maxMemoryBytes?: number;
  /**
   * Bitstate (supertrace) hashing: keep visited states as `2^log2Bits` bits with `hashes` bit
   * positions per state instead of exact fingerprints. Approximate: states may be missed, the
   * result says 'ok' only as 'incomplete' with SPIN's coverage figures.
   */
  bitstate?: { log2Bits: number; hashes?: number };
  /** Partial-order reduction through the model's `footprints` (off by default). */
  partialOrder?: boolean;
  /** Symmetry reduction through the model's `representative` (off by default). */
  symmetry?: boolean;
  /** Store states by the model's `canonical` form (off by default); composes with symmetry. */
  view?: boolean;
  /** Stop with status 'incomplete' after storing this many distinct states. */
  maxStates?: number;
  /** Do not expand states at this depth (the initial states are at depth 0). */
  maxDepth?: number;
  /** Stop with status 'incomplete' after this many milliseconds. */
  timeLimitMs?: number;
  /** Stop at the first violation (default true); false collects one violation per property. */
  stopAtFirst?: boolean;
  /** Called about once a second. */
  onProgress?: (p: Progress) => void;
  /**
   * Model sanity checks (checker/sanity.ts): 'default' checks the initial states and a
   * sample of transitions, 'paranoid' every transition, 'off' none.
   */
  sanity?: 'default' | 'paranoid' | 'off';
  /** Polled every few hundred states: true ends the search as 'incomplete' ('interrupted'). */
  shouldStop?: () => boolean;
}

export type CheckStatus = 'ok' | 'violation' | 'incomplete' | 'error';

export interface TraceStep<S, A> {
  /** null for the initial state. */
  action: A | null;
  label: string;
  state: S;
}

/** 'livelock': a reachable cycle of unfinished states (CheckOptions.progress, SPIN's non-progress cycles). */
export type ViolationKind = 'invariant' | 'deadlock' | 'sometimes' | 'error' | 'livelock';

export interface Violation<S, A> {
  property: string;
  kind: ViolationKind;
  message?: string;
  /** From an initial state to the state that violates the property (empty for 'sometimes'). */
  trace: Array<TraceStep<S, A>>;
  /**
   * A 'livelock' only: the index in `trace` of the state the cycle starts from; the trace's
   * last step goes back to that state (TLC's "back to state N"), and the steps after this
   * index repeat forever.
   */
  loopStart?: number;
}

export interface CheckResult<S, A> {
  status: CheckStatus;
  distinctStates: number;
  transitions: number;
  /** Greatest depth reached (initial states are at depth 0). */
  depth: number;
  elapsedMs: number;
  statesPerSecond: number;
  /** Bytes of checker memory per stored state (visited table and parent links). */
  bytesPerState: number;
  /** Estimated probability that a 64-bit fingerprint collision hid a state. */
  collisionProbability: number;
  /** How often each action label fired. */
  coverage: Record<string, number>;
  violations: Array<Violation<S, A>>;
  /** Why the search stopped early, when status is 'incomplete'. */
  incompleteReason?: 'maxStates' | 'maxDepth' | 'timeLimit' | 'interrupted' | 'maxMemory' | 'bitstate' | 'random';
  /** What to do about an incomplete result (e.g. after 'maxMemory'). */
  hint?: string;
  /** The seed of a random search: `seed` in CheckOptions replays it exactly. */
  seed?: number;
  /** Random search: walks run, and the action-index schedule of the (shrunk) failing walk. */
  walks?: number;
  schedule?: number[];
  /** Bitstate search: SPIN's hash factor (bits per stored state; >100 means good coverage) and coverage estimate. */
  bitstate?: { bits: number; hashes: number; hashFactor: number; expectedCoverage: number };
  /** Partial-order reduction: how many expanded states were cut to an ample set. */
  ampleExpansions?: number;
  /** The reductions the search applied, in this order: 'partial-order', 'symmetry', 'view' (`reductionsOf`). */
  reductions?: Reduction[];
  /** Peak resident set size of the process during the search, in bytes. */
  peakRssBytes?: number;
}

/** What a scenario expects of its check: every property holds, or the named one is violated. */
export type Expectation = 'holds' | { violates: string };

/**
 * A scenario: a model with its expectation and its bounds. A scenario file's default export
 * is one of these (or an array of them); `writepath check` runs them.
 */
export interface Scenario<S = unknown, A = unknown> {
  name: string;
  description: string;
  model: Model<S, A>;
  expect: Expectation;
  options?: CheckOptions;
  /**
   * Optional: the same scenario under other settings — named knobs set to other variants,
   * another set of checked properties — as `writepath check --knob/--property` asks. It
   * throws (before any search) when a setting is not valid for the scenario.
   */
  derive?(change: ScenarioChange): Scenario<S, A>;
}

/** A change of a scenario's settings: knob name → variant, and the properties to check. */
export interface ScenarioChange {
  knobs?: Record<string, string>;
  properties?: string[];
}
