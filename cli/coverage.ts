/**
 * Coverage in the human output: how often each kind of action fired. A label names one
 * action with its arguments ("T1 xfs_file_dio_write_atomic: lock ...", "dev write bio#3 block
 * p2 ← A[0]"), so one row per label would be one row per argument; the kind of a label is its
 * text before the first ":", "←" or "(", with every number replaced by N.
 */
export function actionKind(label: string): string {
  const cut = label.split(/[:←(]/)[0] ?? label;
  const kind = cut.replace(/\b([A-Za-z]?)\d+\b/g, '$1N').replace(/\s+/g, ' ').trim();
  return kind === '' ? label : kind;
}

export interface KindRow {
  kind: string;
  /** Transitions of this kind. */
  fired: number;
  /** Distinct labels of this kind. */
  labels: number;
}

/** Coverage grouped by action kind, most fired first (ties by name). */
export function coverageByKind(coverage: Readonly<Record<string, number>>): KindRow[] {
  const rows = new Map<string, KindRow>();
  for (const [label, n] of Object.entries(coverage)) {
    const kind = actionKind(label);
    const row = rows.get(kind) ?? { kind, fired: 0, labels: 0 };
    row.fired += n;
    row.labels++;
    rows.set(kind, row);
  }
  return [...rows.values()].sort((a, b) => b.fired - a.fired || (a.kind < b.kind ? -1 : 1));
}

/** The coverage table of one scenario, indented under its name. */
export function formatCoverage(name: string, coverage: Readonly<Record<string, number>>): string {
  const rows = coverageByKind(coverage);
  if (rows.length === 0) return `coverage of ${name}: no action fired`;
  const fired = rows.map((r) => r.fired.toLocaleString('en-US'));
  const w = Math.max(...fired.map((f) => f.length), 'fired'.length);
  const lines = [`coverage of ${name} (transitions by action kind):`, `  ${'fired'.padStart(w)}  labels  kind`];
  rows.forEach((r, i) => lines.push(`  ${fired[i]!.padStart(w)}  ${String(r.labels).padStart(6)}  ${r.kind}`));
  return lines.join('\n');
}
