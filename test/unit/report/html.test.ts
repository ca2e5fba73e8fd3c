// report.html is pure: RunResults in, one self-contained page out. These tests read the page
// as a browser would lay it out (a table per path, a row and a column per node, a class per
// cell) and check what a reader relies on: broken pairs marked, their rows one click away,
// causes on top, nothing fetched from anywhere.
import { describe, expect, test } from 'vitest';
import { renderHtml } from '../../../helpers/report/html.ts';
import { bigRun, nodeNames } from '../fixtures/big-cluster.ts';
import { podToPod, row, run } from '../fixtures/results.ts';

/** The heatmap of one suite as data: column names, and per row its name and cell classes. */
function heatmapOf(html: string, suite: string): { columns: string[]; rows: Array<{ node: string; cells: string[] }> } {
  const table = new RegExp(`<table class="heat [a-z]+" data-suite="${suite}">([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) throw new Error(`no heatmap for ${suite}`);
  const [head, body] = table.split('<tbody>');
  const columns = [...head!.matchAll(/<th scope="col" data-node="([^"]+)"/g)].map((m) => m[1]!);
  const rows = body!
    .split('<tr>')
    .slice(1)
    .map((tr) => ({
      node: /<th scope="row" data-node="([^"]+)"/.exec(tr)![1]!,
      cells: [...tr.matchAll(/<td class="([a-z]+)"/g)].map((m) => m[1]!),
    }));
  return { columns, rows };
}

const cutWorker2 = (r: { from: { node: string }; to: { node: string } }) => (r.from.node !== r.to.node && (r.from.node === 'worker-2' || r.to.node === 'worker-2') ? ('FILTERED' as const) : undefined);

describe('report.html', () => {
  test('every link of the counts table points at a map on the page, per-family maps on a dual-stack run included', () => {
    const v4 = podToPod();
    const v6 = v4.map((r) => ({ ...r, family: 'ipv6' as const, name: `${r.name} IPv6` }));
    for (const results of [v4, [...v4, ...v6]]) {
      const html = renderHtml(run(results));
      const links = [...html.matchAll(/<section id="counts">[\s\S]*?<\/section>/g)].flatMap((m) => [...m[0].matchAll(/href="#([^"]+)"/g)].map((h) => h[1]!));
      expect(links.length).toBeGreaterThan(0);
      for (const id of links) expect(html, id).toContain(`id="${id}"`);
    }
  });

  test('a healthy run: verdict banner, one row and one column per node, every cell passed', () => {
    const html = renderHtml(run(podToPod()));
    expect(html).toMatch(/<header class="verdict pass"><h1>kube-netconform: PASS: all 36 checks passed on 3 nodes<\/h1>/);
    const map = heatmapOf(html, 'pod-to-pod');
    expect(map.columns).toEqual(['cp-1', 'worker-1', 'worker-2']);
    expect(map.rows.map((r) => r.node)).toEqual(['cp-1', 'worker-1', 'worker-2']);
    for (const r of map.rows) expect(r.cells).toEqual(['pass', 'pass', 'pass']);
    expect(html).not.toContain('id="failing"');
    expect(html).toContain('✓ 4/4');
  });

  test('a fault: exactly the broken pairs are failed cells, each linked to a group with its rows', () => {
    const html = renderHtml(run(podToPod({ fault: cutWorker2 }), { diagnosis: ["worker-2's pod routes"] }));
    const map = heatmapOf(html, 'pod-to-pod');
    expect(map.rows.map((r) => `${r.node}: ${r.cells.join(' ')}`)).toEqual(['cp-1: pass pass fail', 'worker-1: pass pass fail', 'worker-2: fail fail pass']);
    // The cell worker-1 → worker-2 (row 1, column 2) opens group cell-pod-to-pod-1-2, which lists its 4 rows.
    expect(html).toMatch(/<td class="fail" data-n="0\/4" data-cell="cell-pod-to-pod-1-2"/);
    const group = /<details class="cell-rows" id="cell-pod-to-pod-1-2"[^>]*>([\s\S]*?)<\/details>/.exec(html)?.[1] ?? '';
    expect(group).toContain('<b>worker-1 → worker-2</b> (pod-to-pod): 4 not passing');
    expect(group.match(/<li>/g)).toHaveLength(4);
    expect(group).toContain('expected REACHABLE, observed FILTERED');
  });

  test('probable causes come before the heatmaps; phase times are listed', () => {
    const html = renderHtml(run(podToPod({ fault: cutWorker2 }), { diagnosis: ["worker-2's pod routes <blackhole>"] }));
    expect(html.indexOf('id="causes"')).toBeGreaterThan(0);
    expect(html.indexOf('id="causes"')).toBeLessThan(html.indexOf('id="matrices"'));
    expect(html).toContain('worker-2&#39;s pod routes &lt;blackhole&gt;');
    expect(html).toMatch(/<th scope="row">wait-ready<\/th><td>6.4 s<\/td>/);
  });

  test('could-not-check cells are their own state, not failures', () => {
    const rows = podToPod().map((r) =>
      r.from.node === 'cp-1' && r.to.node === 'worker-1' ? { ...r, observed: 'CONTROL_ERROR' as const, outcome: 'error' as const, reason: 'cannot control probe' } : r,
    );
    const html = renderHtml(run(rows));
    expect(heatmapOf(html, 'pod-to-pod').rows[0]!.cells).toEqual(['pass', 'error', 'pass']);
    expect(html).toMatch(/<header class="verdict error">/);
    expect(html).toContain('could not check: cannot control probe');
  });

  test('self-contained: no external URL, no src/href leaving the page, a CSP forbidding fetches', () => {
    const html = renderHtml(bigRun(5, { broken: [['worker-1', 'worker-2']] }));
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\/(?!10\.0\.0\.10:6443)/); // the API server's address is text, not a link
    expect(html).not.toMatch(/@import|url\(/);
  });

  test('text is escaped everywhere it comes from the cluster', () => {
    const html = renderHtml(run([row({ outcome: 'failed', observed: 'FILTERED', name: '<img src=x onerror=alert(1)>', detail: '"quoted" & <b>' })]));
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &lt;b&gt;');
  });

  test('the shade hook colours cells (for loss/latency later) and sees each cell’s rows', () => {
    const seen: string[] = [];
    const html = renderHtml(run(podToPod()), {
      cellShade: (c) => {
        seen.push(`${c.suite} ${c.from}>${c.to} ${c.rows.length}`);
        return c.from === c.to ? '#123456' : undefined;
      },
    });
    expect(seen).toContain('pod-to-pod worker-1>worker-2 4');
    expect(html.match(/style="background:#123456"/g)).toHaveLength(3);
  });

  test('100 nodes: compact squares, every node a row and a column, broken cells failed, a page a browser loads', () => {
    const nodes = nodeNames(100);
    const broken: Array<[string, string]> = [
      ['worker-7', 'worker-42'],
      ['worker-42', 'worker-7'],
      ['cp-1', 'worker-99'],
    ];
    const html = renderHtml(bigRun(100, { broken, diagnosis: ['pod network between worker-7 and worker-42'] }));
    const map = heatmapOf(html, 'pod-to-pod');
    const sorted = [...nodes].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(map.columns).toEqual(sorted);
    expect(map.rows.map((r) => r.node)).toEqual(sorted);
    const failed = map.rows.flatMap((r) => r.cells.map((c, i) => (c === 'fail' ? `${r.node}>${map.columns[i]}` : ''))).filter(Boolean);
    expect(failed.sort()).toEqual(broken.map(([a, b]) => `${a}>${b}`).sort());
    expect(html).toContain('<table class="heat compact" data-suite="pod-to-pod">');
    expect(heatmapOf(html, 'ports').rows).toHaveLength(100);
    // 4 matrices of up to 100×100 cells; still a page, not a data dump.
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
  });
});
