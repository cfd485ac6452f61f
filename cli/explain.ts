/** `writepath explain SCENARIO`: what a scenario checks, before anyone reads a result. */
import { describeExpectation } from '../checker/index.ts';
import type { LoadedScenario } from './load.ts';

export function formatExplain(l: LoadedScenario): string {
  const sc = l.scenario;
  const about = sc.model.about?.();
  const out = [`${sc.name} (${l.file})`, '', sc.description, '', `expected: ${describeExpectation(sc.expect)}`];
  const o = sc.options;
  if (o !== undefined && Object.keys(o).length > 0) out.push(`search: ${Object.entries(o).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
  if (about === undefined) {
    const inv = Object.keys(sc.model.invariants ?? {});
    const som = Object.keys(sc.model.sometimes ?? {});
    out.push('', 'properties:', ...inv.map((p) => `  ${p} (invariant)`), ...som.map((p) => `  ${p} (sometimes)`));
    out.push('', '(the model describes no programs or settings: it has no about() hook)');
    return out.join('\n');
  }
  out.push('', 'programs:');
  for (const p of about.programs) {
    p.calls.forEach((c, i) => out.push(`  ${i === 0 ? p.actor.padEnd(4) : '    '}  ${i + 1}. ${c}`));
  }
  out.push('', 'settings:');
  const w = Math.max(...about.settings.map((x) => x.name.length));
  for (const x of about.settings) {
    const variants = x.variants !== undefined ? `  (variants: ${x.variants.map((v) => (v === x.value ? `[${v}]` : v)).join(', ')}${x.doc !== undefined ? `; ${x.doc}` : ''})` : '';
    out.push(`  ${x.name.padEnd(w)}  ${x.value}${variants}`);
  }
  out.push('', 'properties:');
  for (const p of about.properties) out.push(`  ${p.name} (${p.kind}): ${p.doc}`);
  out.push('', `bound: ${about.bound}`);
  return out.join('\n');
}
