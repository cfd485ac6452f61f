/**
 * What partial-order reduction of the spec (spec/footprints.ts, issue 10t) cuts: each scenario
 * searched with the view, without and with `partialOrder`, alternating in one process for
 * `--rounds` rounds; states, transitions and the CPU time of each search.
 *
 * Usage: npx tsx bench/spec-por.ts [--rounds N] SCENARIO...
 * SCENARIO as bench/spec-independence.ts takes it: a file, a name under scenarios/, or
 * two-writers-one-reader / torn-2-readers.
 */
import { loadavg } from 'node:os';
import { check } from '../checker/index.ts';
import { load } from './spec-independence.ts';

function usage(problem: string): never {
  process.stderr.write(`bench/spec-por.ts: ${problem}\nusage: npx tsx bench/spec-por.ts [--rounds N] SCENARIO...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let rounds = 1;
const names: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--rounds') {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1) usage(`--rounds needs a positive integer, not ${JSON.stringify(args[i])}`);
    rounds = n;
  } else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else names.push(a);
}
if (names.length === 0) usage('name at least one scenario');

process.stdout.write(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
for (const name of names) {
  const m = await load(name);
  for (let r = 1; r <= rounds; r++) {
    for (const partialOrder of [false, true]) {
      const t0 = process.cpuUsage();
      const res = check(m, { view: true, stopAtFirst: false, partialOrder });
      const cpu = process.cpuUsage(t0);
      const verdict = `${res.status}${res.violations.length > 0 ? ` (${res.violations.map((v) => v.property).join(', ')})` : ''}`;
      process.stdout.write(`${name} round ${r} ${partialOrder ? 'view+por' : 'view    '} ${verdict} states ${res.distinctStates} transitions ${res.transitions} cut ${res.ampleExpansions ?? 0} CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`);
    }
  }
}
process.stdout.write(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
