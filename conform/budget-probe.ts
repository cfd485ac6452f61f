/**
 * How many programs of a campaign's sample the spec-backed oracle cannot explore within its
 * state budget, per file system, without running the kernel: `node --import tsx
 * conform/budget-probe.ts [runs] [seed]`. The campaign's "not modelled" column is this
 * count (the oracle is asked the same programs); this probe measures it in seconds while
 * the spec changes, and prints the smallest unmodelled programs.
 */
import fc from 'fast-check';
import { campaignArb, DEFAULTS } from './campaign-options.ts';
import { loadSpecOracle } from './oracle.ts';
import { show as showProgram } from './program.ts';
import { FS_KINDS } from './harness.ts';

function main(argv: string[]): void {
  const runs = Number(argv[0] ?? 3000);
  const seed = Number(argv[1] ?? DEFAULTS.seed);
  const load = loadSpecOracle();
  if (!load.ok) throw new Error(load.reason);
  const programs = fc.sample(campaignArb({ ...DEFAULTS, runs, seed }, true), { seed, numRuns: runs });
  for (const fs of FS_KINDS) {
    const t0 = Date.now();
    const out: string[] = [];
    for (const p of programs) {
      const a = load.oracle.answer(fs, p);
      if ('unmodelled' in a && a.unmodelled.startsWith('beyond')) out.push(showProgram(p));
    }
    out.sort((a, b) => a.length - b.length);
    console.log(`${fs}: ${out.length} of ${runs} beyond the budget (${((100 * out.length) / runs).toFixed(2)}%), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const x of out.slice(0, 5)) console.log(`  ${x}`);
  }
}

main(process.argv.slice(2));
