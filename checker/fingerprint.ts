/**
 * 64-bit fingerprints of states: which fingerprinter a model gets. The hash primitives are in
 * hash.ts, the fingerprinters in fingerprint-structural.ts (the default), fingerprint-encode.ts
 * (a model's `encode` hook) and fingerprint-words.ts (the compact contract's states); this
 * module re-exports what the rest of the checker and the spec use.
 */
import { encoderFingerprinter } from './fingerprint-encode.ts';
import { structuralFingerprinter } from './fingerprint-structural.ts';
import { fingerprintString, type Fingerprinter } from './hash.ts';
import type { StateEncoder } from './types.ts';

export { encoderFingerprinter } from './fingerprint-encode.ts';
export { structuralFingerprinter } from './fingerprint-structural.ts';
export { fingerprintWords } from './fingerprint-words.ts';
export { fingerprintString, type Fingerprint, type Fingerprinter } from './hash.ts';

/** The fingerprinter for a model: its own `key` if it has one, else the structural default. */
export function fingerprinterFor<S>(key: ((state: S) => string) | undefined): Fingerprinter<S> {
  if (key === undefined) return structuralFingerprinter() as Fingerprinter<S>;
  return (state, out) => fingerprintString(key(state), out);
}

/** The fingerprinter for a model: `encode` if given, else `key`, else the structural default. */
export function fingerprinterForModel<S>(model: { encode?: (state: S, out: StateEncoder) => void; key?: (state: S) => string }): Fingerprinter<S> {
  if (model.encode !== undefined) return encoderFingerprinter(model.encode.bind(model));
  return fingerprinterFor(model.key?.bind(model));
}
