/**
 * The world's fingerprint alone, structural default against the spec's `encode` hook
 * (spec/encode.ts), on the same worlds in the same process: a scenario is searched once with
 * every successor recorded in the order the search made it, then each fingerprinter hashes
 * that sequence, five rounds alternating. A whole search's CPU time moves by a quarter from run
 * to run on the shared machine, more than this change; this comparison does not.
 * Usage: tsx bench/spec-fingerprint.ts SCENARIO_FILE...
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, type Model, type Scenario } from '../checker/index.ts';
import { encoderFingerprinter, structuralFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import { worldEncoder } from '../spec/encode.ts';
import type { World } from '../spec/types.ts';

type Hash = (w: World, out: Fingerprint) => void;
const ROUNDS = 5;

async function recorded(file: string): Promise<World[]> {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: Scenario | Scenario[] };
  const s = (Array.isArray(mod.default) ? mod.default[0]! : mod.default) as Scenario<World, unknown>;
  const { encode: _encode, ...plain } = s.model;
  const worlds: World[] = [];
  const recording: Model<World, unknown> = {
    ...plain,
    next: (w, a) => {
      const t = plain.next(w, a);
      worlds.push(t);
      return t;
    },
  };
  check(recording, { ...s.options, sanity: 'off' });
  return worlds;
}

function cpuMs(hash: Hash, worlds: readonly World[]): number {
  const out: Fingerprint = { hi: 0, lo: 0 };
  const c0 = process.cpuUsage();
  for (const w of worlds) hash(w, out);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: tsx bench/spec-fingerprint.ts SCENARIO_FILE...\n');
  process.exit(2);
}
for (const file of files) {
  const worlds = await recorded(file);
  const structural: number[] = [];
  const encoded: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    structural.push(cpuMs(structuralFingerprinter() as Hash, worlds));
    encoded.push(cpuMs(encoderFingerprinter(worldEncoder()), worlds));
  }
  const a = Math.min(...structural);
  const b = Math.min(...encoded);
  console.log(`${file}: ${worlds.length.toLocaleString('en-US')} worlds; structural ${a.toFixed(0)} ms, encode ${b.toFixed(0)} ms (best of ${ROUNDS}): ${(b / a).toFixed(2)}x the CPU`);
}
