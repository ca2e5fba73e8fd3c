// report.html in a real browser (Debian's headless Chromium over the DevTools pipe): the page of
// a healthy lab run, of a fault run and of a synthetic 100-node run is loaded, its DOM read as a
// person would see it (a row and a column per node, broken pairs red), a broken cell clicked for
// its rows, and a screenshot written under reports/ (report-healthy.png, report-fault.png,
// report-100-nodes.png). Skipped without chromium; the lab parts skipped when the lab is down.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../helpers/report/html.ts';
import { destinationLabel, endpointLabel, isPairRow } from '../../helpers/report/matrix.ts';
import type { RunResults } from '../../helpers/check/types.ts';
import { bigRun, nodeNames } from '../unit/fixtures/big-cluster.ts';
import { Browser, CHROMIUM, haveChromium } from './browser.ts';
import { kubeconfig, kubectl, lab, repoRoot, requireLab, requireMachine, resultsOf, startCli } from './cli-helpers.ts';

const shots = path.join(repoRoot, 'reports');
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';

interface PageMap {
  suite: string;
  columns: string[];
  rows: string[];
  /** "from>to" of every cell with class fail / error. */
  failed: string[];
  errors: string[];
}

/** Every heatmap as the browser laid it out: header texts and the class of each cell. */
const READ_MAPS = `[...document.querySelectorAll('table.heat')].map((t) => {
  const columns = [...t.tHead.rows[0].cells].slice(1).map((c) => c.textContent);
  const rows = [...t.tBodies[0].rows];
  const pick = (cls) => rows.flatMap((tr) => [...tr.cells].slice(1).map((td, i) => td.classList.contains(cls) ? tr.cells[0].textContent + '>' + columns[i] : '').filter(Boolean));
  return { suite: t.dataset.suite, columns, rows: rows.map((tr) => tr.cells[0].textContent), failed: pick('fail'), errors: pick('error') };
})`;

/** The cells results.json says are broken, labelled as the matrix labels them. */
function brokenCells(run: RunResults, outcome: 'failed' | 'error'): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const r of run.results) {
    if (!isPairRow(r)) continue;
    const set = out.get(r.suite) ?? new Set<string>();
    // A cell is failed if any row failed; an error cell has errors and no failure.
    out.set(r.suite, set);
    if (r.outcome === outcome) set.add(`${endpointLabel(r.from)}>${destinationLabel(r)}`);
  }
  if (outcome === 'error') {
    const failed = brokenCells(run, 'failed');
    for (const [suite, set] of out) for (const cell of failed.get(suite) ?? []) set.delete(cell);
  }
  return new Map([...out].map(([suite, set]) => [suite, [...set].sort()]));
}

describe.skipIf(!requireMachine(`chromium (${CHROMIUM})`, haveChromium()))('report.html in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await Browser.launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('100 nodes (synthetic): every node a row and a column, exactly the broken pairs red, a click lists their rows', async () => {
    const broken: Array<[string, string]> = [
      ['worker-7', 'worker-42'],
      ['worker-42', 'worker-7'],
      ['cp-1', 'worker-99'],
    ];
    const file = path.join(shots, 'report-100-nodes.html');
    fs.mkdirSync(shots, { recursive: true });
    fs.writeFileSync(file, renderHtml(bigRun(100, { broken, diagnosis: ['pod network between worker-7 and worker-42'] })));
    await browser.open(file);
    expect(await browser.evaluate('document.documentElement.dataset.ready')).toBe('1'); // the inline script ran under the page's CSP
    const maps = await browser.evaluate<PageMap[]>(READ_MAPS);
    const pods = maps.find((m) => m.suite === 'pod-to-pod')!;
    const nodes = nodeNames(100);
    expect([...pods.rows].sort()).toEqual([...nodes].sort());
    expect([...pods.columns].sort()).toEqual([...nodes].sort());
    expect(pods.failed.sort()).toEqual(broken.map(([a, b]) => `${a}>${b}`).sort());
    // A 100-column map fits a laptop screen: cells are small squares, not text.
    const width = await browser.evaluate<number>(`document.querySelector('table.heat[data-suite="pod-to-pod"]').getBoundingClientRect().width`);
    expect(width).toBeLessThan(1400);
    await browser.screenshot(path.join(shots, 'report-100-nodes.png'), { maxHeight: 1600 });

    await browser.pointAt('table.heat[data-suite="pod-to-pod"] td[data-cell]', { click: true });
    expect(await browser.evaluate('document.getElementById("panel").hidden')).toBe(false);
    const panel = await browser.evaluate<string>('document.getElementById("panel-body").textContent');
    expect(panel).toMatch(/cp-1 → worker-99 \(pod-to-pod\): 4 not passing/);
    expect(panel).toContain('expected REACHABLE, observed FILTERED');
  });

  describe.skipIf(!requireLab())('on the lab', () => {
    let healed = true;
    afterEach(() => {
      if (!healed) lab('heal', 'cut-route');
      healed = true;
    });

    const nodes = () => kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}').trim().split(/\s+/).sort();

    test('a healthy run: every node a row and a column of the pod-to-pod and ports maps, no red cell', async () => {
      const run = await startCli(['run', '--kubeconfig', kubeconfig()]);
      expect(run.code, run.stderr).toBe(0);
      await browser.open(path.join(run.reportDir, 'report.html'));
      const maps = await browser.evaluate<PageMap[]>(READ_MAPS);
      // A map for each of the seed's paths, and every map is one of the run's paths.
      const suites = resultsOf(run).suites.map((x) => x.name);
      for (const seed of ['pod-to-pod', 'pod-to-service', 'nodeport', 'ports'])
        expect(
          maps.map((m) => m.suite),
          seed,
        ).toContain(seed);
      for (const m of maps) expect(suites, m.suite).toContain(m.suite);
      for (const suite of ['pod-to-pod', 'ports']) {
        const m = maps.find((x) => x.suite === suite)!;
        expect([...m.rows].sort(), suite).toEqual(nodes());
        expect([...m.columns].sort(), suite).toEqual(nodes());
      }
      expect(maps.find((m) => m.suite === 'nodeport')!.columns.sort()).toEqual(nodes());
      for (const m of maps) expect([...m.failed, ...m.errors], m.suite).toEqual([]);
      expect(await browser.evaluate('document.body.dataset.verdict')).toBe('PASS');
      await browser.screenshot(path.join(shots, 'report-healthy.png'));
    });

    test(`cut-route ${W1} ${W2}: the page marks exactly the cells results.json has failing, ${W1}⇄${W2} among them`, async () => {
      healed = false;
      lab('fault', 'cut-route', W1, W2);
      const run = await startCli(['run', '--kubeconfig', kubeconfig()]);
      lab('heal', 'cut-route');
      healed = true;
      expect(run.code, run.stderr).toBe(1);
      const results = resultsOf(run);
      await browser.open(path.join(run.reportDir, 'report.html'));
      const maps = await browser.evaluate<PageMap[]>(READ_MAPS);
      const failed = brokenCells(results, 'failed');
      const errors = brokenCells(results, 'error');
      for (const m of maps) {
        expect(m.failed.sort(), `${m.suite} failed cells`).toEqual(failed.get(m.suite) ?? []);
        expect(m.errors.sort(), `${m.suite} could-not-check cells`).toEqual(errors.get(m.suite) ?? []);
      }
      const pods = maps.find((m) => m.suite === 'pod-to-pod')!;
      expect(pods.failed).toEqual(expect.arrayContaining([`${W1}>${W2}`, `${W2}>${W1}`]));
      expect([...pods.rows].sort()).toEqual(nodes());
      // The probable cause is on top, before the maps.
      expect(await browser.evaluate<string>('document.querySelector("#causes")?.textContent ?? ""')).toMatch(/lab-worker-1|lab-worker-2/);
      expect(await browser.evaluate<boolean>(`document.querySelector('#causes').compareDocumentPosition(document.querySelector('#matrices')) === Node.DOCUMENT_POSITION_FOLLOWING`)).toBe(true);
      await browser.screenshot(path.join(shots, 'report-fault.png'));
      // The README's picture: verdict, cause and the maps (docs/report-fault.png is a copy of it).
      await browser.screenshot(path.join(shots, 'report-fault-top.png'), { width: 1100, maxHeight: 1000 });

      // Hover and click the broken pair: a tooltip with the counts, then the panel with its rows.
      const cell = `table.heat[data-suite="pod-to-pod"] tbody tr:has(th[data-node="${W1}"]) td[data-cell][title^="${W1} → ${W2}:"]`;
      await browser.pointAt(cell);
      expect(await browser.evaluate<string>('document.getElementById("tip").textContent')).toMatch(new RegExp(`${W1} → ${W2}: 0/\\d+ passed`));
      await browser.pointAt(cell, { click: true });
      const panel = await browser.evaluate<string>('document.getElementById("panel-body").textContent');
      expect(panel).toMatch(new RegExp(`${W1} → ${W2} \\(pod-to-pod\\): \\d+ not passing`));
      expect(panel).toContain('observed FILTERED');
      await browser.screenshot(path.join(shots, 'report-fault-clicked.png'), { maxHeight: 1200 });
    });

    test('--pods-per-node 6: still one row and column per node; each cell counts every pod pair between the two nodes', async () => {
      const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--pods-per-node', '6', '--only', '^pod-to-pod ']);
      expect(run.code, run.stderr).toBe(0);
      await browser.open(path.join(run.reportDir, 'report.html'));
      const maps = await browser.evaluate<PageMap[]>(READ_MAPS);
      const pods = maps.find((m) => m.suite === 'pod-to-pod')!;
      expect([...pods.rows].sort()).toEqual(nodes());
      // W1 → W2: 6 pods × 6 pods × 4 (tcp/udp × small/full) plus W1's host network → 6 pods × 4.
      const n = await browser.evaluate<string>(`(() => { const t = document.querySelector('table.heat[data-suite="pod-to-pod"]');
        const column = [...t.tHead.rows[0].cells].findIndex((c) => c.textContent === '${W2}');
        return t.querySelector('tbody tr:has(th[data-node="${W1}"])').cells[column].dataset.n; })()`);
      const expected = resultsOf(run).results.filter((r) => r.from.node === W1 && r.to.node === W2).length;
      expect(n).toBe(`${expected}/${expected}`);
      expect(expected).toBeGreaterThanOrEqual(6 * 6 * 4);
    });
  });
});
