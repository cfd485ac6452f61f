/**
 * A counterexample as one self-contained HTML page (no server, no network, no external
 * assets): a swimlane table, one column per actor and one row per step, the violating step
 * marked; clicking a step shows the whole state at that step, its changes, and the cells the
 * property is about as a small table. The trace document is embedded as JSON.
 */
import { formatChange } from './diff.ts';
import type { TraceDoc } from './tracedoc.ts';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot end the script element it sits in. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.2em; } .why { background: #fee; border-left: 4px solid #c00; padding: .5em; }
.layout { display: flex; gap: 1em; align-items: flex-start; }
table.lanes { border-collapse: collapse; } table.lanes td, table.lanes th { border-left: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }
table.lanes th { position: sticky; top: 0; background: #eee; }
table.lanes tr.step { cursor: pointer; } table.lanes tr.step:hover { background: #f4f4ff; }
table.lanes tr.selected { background: #dde4ff; } table.lanes tr.violation td.num { color: #c00; font-weight: bold; }
td.act { background: #eef; max-width: 28em; } td.num { text-align: right; color: #666; }
#panel { flex: 1; min-width: 24em; position: sticky; top: 0; } #panel pre { background: #f7f7f7; padding: .5em; overflow: auto; max-height: 60vh; }
table.cells { border-collapse: collapse; } table.cells td, table.cells th { border: 1px solid #ccc; padding: 2px 6px; }
ol.programs { margin: 0; } .changes li { font-family: monospace; }
`;

const SCRIPT = `
const doc = JSON.parse(document.getElementById('trace').textContent);
function show(i) {
  const s = doc.steps[i];
  document.querySelectorAll('tr.step').forEach((r) => r.classList.toggle('selected', Number(r.dataset.step) === i));
  document.getElementById('step-title').textContent = 'step ' + i + (s.actor ? ' (' + s.actor + ')' : '') + ': ' + s.label;
  const ch = document.getElementById('changes');
  ch.replaceChildren(...(i === 0 ? ['initial state'] : s.changeLines.length ? s.changeLines : ['(no visible change)']).map((l) => { const li = document.createElement('li'); li.textContent = l; return li; }));
  document.getElementById('state').textContent = JSON.stringify(s.view, null, 2);
  const cells = document.getElementById('cells');
  cells.replaceChildren();
  if (s.cells) {
    const head = document.createElement('tr');
    for (const h of ['', 'initial', 'at step ' + i]) { const th = document.createElement('th'); th.textContent = h; head.append(th); }
    cells.append(head);
    for (const name of Object.keys(s.cells)) {
      const tr = document.createElement('tr');
      for (const v of [name, doc.steps[0].cells[name], s.cells[name]]) { const td = document.createElement('td'); td.textContent = v; tr.append(td); }
      cells.append(tr);
    }
  }
}
document.querySelectorAll('tr.step').forEach((r) => r.addEventListener('click', () => show(Number(r.dataset.step))));
show(doc.steps.length - 1);
`;

export function formatHtml(doc: TraceDoc): string {
  const actors = doc.actors.length > 0 ? doc.actors : [''];
  const last = doc.steps.length - 1;
  const rows = doc.steps.map((s) => {
    const cells = actors.map((a) => (s.index > 0 && (a === s.actor || doc.actors.length === 0) ? `<td class="act">${esc(s.label)}</td>` : `<td>${s.index === 0 && a === actors[0] ? 'initial state' : ''}</td>`));
    return `<tr class="step${s.index === last ? ' violation' : ''}" data-step="${s.index}"><td class="num">${s.index === last ? '✗ ' : ''}${s.index}</td>${cells.join('')}</tr>`;
  });
  const programs = (doc.about?.programs ?? []).map((p) => `<li><b>${esc(p.actor)}</b>: ${p.calls.map(esc).join('; ')}</li>`).join('');
  const embedded = { ...doc, steps: doc.steps.map((s) => ({ ...s, changeLines: s.changes.flatMap(formatChange) })) };
  const title = `${doc.property} ${doc.kind === 'sometimes' ? 'never held' : 'violated'} in ${doc.scenario}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(doc.file)}${doc.propertyDoc !== undefined ? ` — ${esc(doc.propertyDoc)}` : ''}</p>
${programs !== '' ? `<ol class="programs">${programs}</ol>` : ''}
<p class="why">${esc(doc.message ?? `${doc.kind} ${doc.property}`)}</p>
<div class="layout">
<table class="lanes"><tr><th>#</th>${actors.map((a) => `<th>${esc(a)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>
<div id="panel"><h2 id="step-title"></h2><ul id="changes" class="changes"></ul><table id="cells" class="cells"></table><pre id="state"></pre></div>
</div>
<script type="application/json" id="trace">${scriptJson(embedded)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
