/**
 * The spec's transitions alone, immer's draft forms against the pure forms (issue 10d,
 * spec/model.ts `pureNext`), on the same transitions in the same process: a scenario is
 * searched once with every (state, action) recorded in the order the search took them, then
 * each form replays that sequence — `next` alone, and `next` followed by the encode
 * fingerprint of the successor (the pure forms share members differently, which the
 * fingerprint's per-member cache sees) — five rounds alternating, best of five. Immune to most
 * of the machine's noise, unlike a whole search's CPU time.
 * Usage: tsx bench/spec-steps.ts SCENARIO_FILE...
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, type Model, type Scenario } from '../checker/index.ts';
import { encoderFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import { worldEncoder } from '../spec/encode.ts';
import { next, pureNext, type Action } from '../spec/model.ts';
import type { Settings, World } from '../spec/types.ts';

const ROUNDS = 5;
type Form = 'draft' | 'pure';

async function recorded(file: string): Promise<{ s: Settings; steps: Array<[World, Action]> }> {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: Scenario | Scenario[] };
  const sc = (Array.isArray(mod.default) ? mod.default[0]! : mod.default) as Scenario<World, Action> & { model: { settings: Settings } };
  const steps: Array<[World, Action]> = [];
  const recording: Model<World, Action> = {
    ...sc.model,
    next: (w, a) => {
      steps.push([w, a]);
      return sc.model.next(w, a);
    },
  };
  check(recording, { ...sc.options, sanity: 'off' });
  return { s: sc.model.settings, steps };
}

function cpuMs(s: Settings, steps: ReadonlyArray<[World, Action]>, form: Form, fingerprint: boolean): number {
  const fp = encoderFingerprinter(worldEncoder());
  const out: Fingerprint = { hi: 0, lo: 0 };
  const c0 = process.cpuUsage();
  for (const [w, a] of steps) {
    const t = next(w, s, a, form);
    if (fingerprint) fp(t, out);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: tsx bench/spec-steps.ts SCENARIO_FILE...\n');
  process.exit(2);
}
for (const file of files) {
  const { s, steps } = await recorded(file);
  const pure = steps.filter(([w, a]) => pureNext(w, s, a) !== null).length;
  const t: Record<string, number[]> = { draft: [], pure: [], 'draft+fp': [], 'pure+fp': [] };
  for (let r = 0; r < ROUNDS; r++) {
    t.draft!.push(cpuMs(s, steps, 'draft', false));
    t.pure!.push(cpuMs(s, steps, 'pure', false));
    t['draft+fp']!.push(cpuMs(s, steps, 'draft', true));
    t['pure+fp']!.push(cpuMs(s, steps, 'pure', true));
  }
  const best = (k: string) => Math.min(...t[k]!);
  console.log(
    `${file}: ${steps.length.toLocaleString('en-US')} transitions, ${pure.toLocaleString('en-US')} with a pure form; ` +
      `next: draft ${best('draft').toFixed(0)} ms, pure ${best('pure').toFixed(0)} ms (${(best('pure') / best('draft')).toFixed(2)}x); ` +
      `next + fingerprint: draft ${best('draft+fp').toFixed(0)} ms, pure ${best('pure+fp').toFixed(0)} ms (${(best('pure+fp') / best('draft+fp')).toFixed(2)}x) (best of ${ROUNDS})`,
  );
}
