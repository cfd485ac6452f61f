/**
 * `npm run conform -- --fuse [--runs N] [--seed S] [--mode write-through,writeback-cache] [--no-shrink]`:
 * the FUSE campaign (run.ts) on our own FUSE server. Exit 0 when every program agrees
 * (or the machine cannot run it: a SKIP line says why), 1 on a disagreement that is not a
 * known gap, 2 on a usage error.
 */
import { FUSE_DEFAULTS, formatFuseSummaries, runFuseCampaign, type FuseCampaignOptions } from './run.ts';
import { FUSE_MODES, type FuseMode } from './program.ts';
import { flags } from '../flags.ts';

export const FUSE_USAGE = 'usage: npm run conform -- --fuse [--runs N] [--seed S] [--mode write-through,writeback-cache] [--no-shrink]';

export class FuseUsageError extends Error {}

export function parseFuseArgs(argv: readonly string[]): FuseCampaignOptions {
  const o: FuseCampaignOptions = { ...FUSE_DEFAULTS, modes: [...FUSE_DEFAULTS.modes] };
  for (const { flag, arg: a, value, int } of flags(argv, 0, FuseUsageError)) {
    switch (flag) {
      case '--runs':
        o.runs = int(1);
        break;
      case '--seed':
        o.seed = int(0);
        break;
      case '--mode': {
        const ms = (value() ?? '').split(',').filter((x) => x !== '');
        const bad = ms.filter((m) => !(FUSE_MODES as readonly string[]).includes(m));
        if (ms.length === 0 || bad.length > 0) throw new FuseUsageError(`--mode takes ${FUSE_MODES.join(', ')}; got ${JSON.stringify(ms.join(','))}`);
        o.modes = FUSE_MODES.filter((m: FuseMode) => ms.includes(m));
        break;
      }
      case '--no-shrink':
        o.shrink = false;
        break;
      default:
        throw new FuseUsageError(`unknown --fuse option ${JSON.stringify(a)}`);
    }
  }
  return o;
}

export async function fuseMain(argv: readonly string[]): Promise<number> {
  let o: FuseCampaignOptions;
  try {
    o = parseFuseArgs(argv);
  } catch (e) {
    if (e instanceof FuseUsageError) {
      console.error(`conform: ${e.message}\n${FUSE_USAGE}`);
      return 2;
    }
    throw e;
  }
  console.log(`conform --fuse: ${o.runs} programs per mode (${o.modes.join(', ')}), seed ${o.seed}`);
  const r = await runFuseCampaign(o, (s) => console.log(s));
  if (!r.ok) {
    console.log(`SKIP FUSE conformance: ${r.skip}`);
    return 0;
  }
  console.log(formatFuseSummaries(r.summaries));
  return r.summaries.some((s) => s.findings.length > 0) ? 1 : 0;
}
