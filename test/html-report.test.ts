/**
 * The HTML report in a real browser: Debian's Chromium driven by playwright-core, headless.
 * Opens a counterexample's page from a file with every network request refused, clicks a
 * step, and checks the panel shows that step's state, changes and blocks; saves a screenshot
 * under test-artifacts/. Skips with a line saying why when Chromium is not installed (.ci/run
 * installs it as root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { check } from '../checker/index.ts';
import { formatHtml } from '../cli/html.ts';
import { loadScenarioFile } from '../cli/load.ts';
import { buildDoc } from '../cli/tracedoc.ts';
import { formatMermaid } from '../cli/mermaid.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
// The flags the machine notes give for headless Chromium as root on a closed network
// (playwright itself starts it with a new empty profile directory).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('HTML report: clicking a step shows that step in the panel, and nothing is fetched', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package when run as root)`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const [l] = await loadScenarioFile(join(root, 'scenarios/xfs-atomic-over-uncommitted-conversion.ts'));
  const model = l!.scenario.model;
  const v = check(model).violations[0]!;
  const doc = buildDoc(model, v.trace, { scenario: l!.scenario.name, file: l!.file, property: v.property, kind: v.kind, message: v.message, expected: true }, false);
  const dir = mkdtempSync(join(tmpdir(), 'writepath-html-'));
  const page = join(dir, 'trace.html');
  writeFileSync(page, formatHtml(doc));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  t.after(async () => {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const p = await browser.newPage();
  const fetched: string[] = [];
  p.on('request', (r) => {
    if (!r.url().startsWith('file:')) fetched.push(r.url());
  });
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(pathToFileURL(page).href);
  // The last step (the violation) is shown first, and marked.
  const last = doc.steps.length - 1;
  const submit = doc.steps.findIndex((st) => st.label.includes('submit bio#1'));
  const landed = doc.steps.findIndex((st) => st.label.includes('iomap_dio_complete'));
  assert.ok(submit > 0 && landed > submit, 'the trace submits bio#1 and completes the write (unwritten → written)');
  assert.match((await p.textContent('#step-title')) ?? '', new RegExp(`^step ${last} \\(power\\): power-loss`));
  assert.equal(await p.locator('tr.violation').getAttribute('data-step'), String(last));
  const lanes = await p.locator('table.lanes th').allTextContents();
  assert.deepEqual(lanes, ['#', 'T1', 'device', 'power']);

  await p.click(`tr[data-step="${submit}"]`);
  const step = doc.steps[submit]!;
  assert.equal(await p.textContent('#step-title'), `step ${submit} (T1): ${step.label}`);
  assert.deepEqual(JSON.parse((await p.textContent('#state')) ?? ''), step.view);
  const changes = await p.locator('#changes li').allTextContents();
  assert.ok(changes.includes('device.in flight.bio#1.blocks = p1 ← P[0]'), changes.join('\n'));
  assert.equal(await p.locator('tr.selected').getAttribute('data-step'), String(submit));
  const cells = await p.locator('#cells tr').allTextContents();
  assert.deepEqual(cells, [`initialat step ${submit}`, 'file 0 block 0f0.init[0]f0.init[0]', 'file 0 block 1zerozero']);

  await p.click(`tr[data-step="${landed}"]`);
  assert.deepEqual(JSON.parse((await p.textContent('#state')) ?? ''), doc.steps[landed]!.view);
  assert.deepEqual(await p.locator('#cells tr').allTextContents(), [`initialat step ${landed}`, 'file 0 block 0f0.init[0]f0.init[0]', 'file 0 block 1zeroP[0]']);

  const artifacts = join(root, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  await p.screenshot({ path: join(artifacts, 'html-report.png'), fullPage: true });
  assert.deepEqual(fetched, [], 'the page is self-contained');
  assert.deepEqual(errors, []);
});

test('Mermaid output: the diagrams of three counterexamples render with Mermaid itself, every step legible', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package when run as root)`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  t.after(() => browser.close());
  const p = await browser.newPage();
  await p.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await p.addScriptTag({ path: join(root, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
  for (const file of ['scenarios/xfs-atomic-over-uncommitted-conversion.ts', 'scenarios/ext4-atomic-invalidate-failure-fall-back.ts', 'test/fixtures/scenarios/mutex.ts']) {
    const [l] = await loadScenarioFile(join(root, file));
    const model = l!.scenario.model;
    const v = check(model).violations[0]!;
    const doc = buildDoc(model, v.trace, { scenario: l!.scenario.name, file, property: v.property, kind: v.kind, message: v.message, expected: true }, false);
    const text = formatMermaid(doc);
    const shown = await p.evaluate(async (src: string) => {
      const m = (globalThis as unknown as { mermaid: { initialize(o: object): void; render(id: string, s: string): Promise<{ svg: string }> } }).mermaid;
      m.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const { svg } = await m.render(`d${Math.random().toString(36).slice(2)}`, src);
      // The page's DOM (this function runs in the browser, where `document` exists).
      const out = (globalThis as unknown as { document: { getElementById(id: string): { innerHTML: string; textContent: string | null } } }).document.getElementById('out');
      out.innerHTML = svg;
      return out.textContent ?? '';
    }, text);
    // Every step's note is in the picture in full, ";", "#", "<" and ">" included.
    for (const s of doc.steps.slice(1)) assert.ok(shown.includes(`${s.index}. ${s.label}`), `${file}: step ${s.index} "${s.label}" is not in the rendered diagram`);
    for (const a of doc.actors) assert.ok(shown.includes(a), `${file}: lane ${a}`);
  }
});
