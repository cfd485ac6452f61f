/**
 * What the object contract's 3x target (issue 10) leaves to the checker on the object ports of
 * hanoi.2 and elevator2(10): the model's own `actions` and `next` over every reachable state and
 * transition (no checker at all), against today's checker and the checker before issue 10 on the
 * same model, alternating in one process. No checker can make a search cheaper than its model's
 * own successor code, so "3x the old checker" needs the checker's part (total minus the model's)
 * to shrink to `old / 3 - model`.
 * Usage: tsx bench/object-floor.ts [ROUNDS]
 */
import { check, type Model } from '../checker/index.ts';
import { loadCheckerBeforeIssue10, type OldCheck } from './before-10.ts';
import { hanoiObject } from './beem/hanoi-object.ts';
import { elevator2Object } from './beem/elevator2-object.ts';

const rounds = Number(process.argv[2] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench/object-floor.ts: ROUNDS must be an integer >= 1, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

type AnyModel = Model<unknown, unknown>;

/** Every reachable state, by JSON key (both models build their states with one key order; the counts printed are BEEM's), outside the clock. */
function reachable(m: AnyModel): unknown[] {
  const seen = new Set<string>();
  const all: unknown[] = [];
  let level: unknown[] = [];
  for (const s of m.init()) {
    const k = JSON.stringify(s);
    if (!seen.has(k)) {
      seen.add(k);
      all.push(s);
      level.push(s);
    }
  }
  while (level.length > 0) {
    const nextLevel: unknown[] = [];
    for (const s of level) {
      for (const a of m.actions(s)) {
        const t = m.next(s, a);
        const k = JSON.stringify(t);
        if (!seen.has(k)) {
          seen.add(k);
          all.push(t);
          nextLevel.push(t);
        }
      }
    }
    level = nextLevel;
  }
  return all;
}

/** CPU ms of `f`. */
function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const old = await loadCheckerBeforeIssue10();
if (typeof old === 'string') {
  console.error(`bench/object-floor.ts: the checker before issue 10 is not available: ${old}`);
  process.exit(2);
}
const oldCheck: OldCheck = old.check;
try {
  const models: Array<[string, () => AnyModel]> = [
    ['hanoi.2 object', () => hanoiObject(12) as unknown as AnyModel],
    ['elevator2(10) object', () => elevator2Object(10) as unknown as AnyModel],
  ];
  for (const [name, make] of models) {
    const states = reachable(make());
    const floor: number[] = [];
    const now: number[] = [];
    const before: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const m = make();
      floor.push(cpuMs(() => {
        for (const s of states) for (const a of m.actions(s)) m.next(s, a);
      }));
      now.push(cpuMs(() => void check(make())));
      before.push(cpuMs(() => void oldCheck(make())));
    }
    const [f, n, b] = [median(floor), median(now), median(before)];
    console.log(
      `${name}: ${states.length.toLocaleString('en-US')} states; CPU ms medians of ${rounds}: model alone ${f.toFixed(0)}, ` +
        `checker now ${n.toFixed(0)} (its own part ${(n - f).toFixed(0)}), before issue 10 ${b.toFixed(0)} (its own part ${(b - f).toFixed(0)}); ` +
        `now ${(b / n).toFixed(2)}x; 3x needs ${(b / 3).toFixed(0)} in all, the checker's part at most ${(b / 3 - f).toFixed(0)} (${((n - f) / (b / 3 - f)).toFixed(2)}x less than now)`,
    );
  }
} finally {
  old.cleanup();
}
console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
