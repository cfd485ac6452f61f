/**
 * writepath's model checker. It knows nothing of file systems: give it any `Model` (initial
 * states, enabled actions, a successor function, properties) and it explores every reachable
 * state, breadth-first or depth-first, and returns statistics and counterexample traces.
 */
export type {
  Model,
  ModelAbout,
  CheckOptions,
  CheckResult,
  CheckStatus,
  Progress,
  TraceStep,
  Violation,
  ViolationKind,
  Expectation,
  Scenario,
  ScenarioChange,
} from './types.ts';
export { meetsExpectation, describeResult, describeExpectation } from './expect.ts';
export { check } from './search.ts';
export { findLivelock, livelockViolation, withProgress, type Livelock, type LivelockResult } from './progress.ts';
export { replay, validateTrace, canonicalJson, actionIndexes, replayRecorded, type RecordedStep, type ReplayOutcome } from './trace.ts';
export { toItf, fromItf, validateItf, ITF_FORMAT_DESCRIPTION, type ItfTrace, type ItfState, type ItfValue } from './itf.ts';
export { structuralFingerprinter, fingerprintString, fingerprinterFor, type Fingerprint, type Fingerprinter } from './fingerprint.ts';
export { FingerprintSet, ParentLinks } from './store.ts';
export { defaultLabel } from './label.ts';
export { shrinkTrace, violates, type ShrinkResult } from './shrink.ts';
export { withSanity, SanityError, type SanityLevel } from './sanity.ts';
export { findOpaque } from './sanity-plain.ts';
export { firstDifference, sameValue } from './sanity-compare.ts';
export { jsonSafe, printable } from './printable.ts';
export { checkCompact, asObjectModel, type CompactModel } from './compact.ts';
export { encoderFingerprinter, fingerprinterForModel } from './fingerprint.ts';
export type { StateEncoder } from './types.ts';
export { checkCompactParallel } from './workers.ts';
export { ObjectPool, checkObjectParallel } from './object-workers.ts';
export type { ModelRef } from './model-ref.ts';
export type { Footprint, Footprints, Token as FootprintToken } from './types.ts';
