import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, type Scenario } from './checker/index.ts';
for (const name of process.argv.slice(2)) {
  const mod = (await import(pathToFileURL(resolve(`scenarios/${name}.ts`)).href)) as { default: Scenario | Scenario[] };
  const ss = Array.isArray(mod.default) ? mod.default : [mod.default];
  for (const s of ss) {
    const c0 = process.cpuUsage();
    const r = check(s.model, s.options);
    const c = process.cpuUsage(c0);
    console.log(s.name, r.status, r.distinctStates, r.transitions, Math.round((c.user + c.system) / 1000), 'ms');
  }
}
