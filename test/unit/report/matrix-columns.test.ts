// Matrix columns are named by what a row reached, never by a bare address: a node, the runner,
// a Service by name, and for the dns path the name that was resolved. Checked on a real dual-stack
// run (test/unit/fixtures/real/cut-route-ipv6-churn.json: every path, both families) through the
// summary and the HTML report, the two views that draw the matrices.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { NetworkResult, RunResults } from '../../../helpers/check/types.ts';
import { renderHtml } from '../../../helpers/report/html.ts';
import { buildMatrix, destinationLabel, matrixGroups, suiteOrder } from '../../../helpers/report/matrix.ts';
import { renderSummaryMarkdown } from '../../../helpers/report/summary-md.ts';
import { row, run } from '../fixtures/results.ts';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'real', 'cut-route-ipv6-churn.json'), 'utf8')) as Pick<RunResults, 'results'>;
const PATHS = ['pod-to-pod', 'pod-to-node', 'pod-to-external', 'pod-to-service', 'hairpin', 'session-affinity', 'dns', 'nodeport', 'loadbalancer', 'ports'];
const real: RunResults = run(fixture.results, { suites: PATHS.map((name) => ({ name, must: '' })) });
const columnsOf = (group: string) => buildMatrix(matrixGroups(real.results, suiteOrder(real)).get(group)!).columns;
const ADDRESS = /\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*/;

describe('matrix columns', () => {
  test('dns: one column per name resolved — kubernetes.default, the suite Service by short name and by FQDN, the headless Service, the missing name', () => {
    expect(columnsOf('dns (IPv4)')).toEqual(['dns-headless (headless)', 'dns-probes (FQDN)', 'dns-probes (short name)', 'does-not-exist (NXDOMAIN)', 'kubernetes.default']);
    expect(columnsOf('dns (IPv6)')).toEqual(['dns-headless-ipv6 (headless)', 'dns-probes-ipv6 (FQDN)', 'dns-probes-ipv6 (short name)']);
  });

  test('every path of a real run: no column is an address or an empty name', () => {
    const columns = [...matrixGroups(real.results, suiteOrder(real))].flatMap(([group, rows]) => buildMatrix(rows).columns.map((c) => `${group}: ${c}`));
    expect(columns.length).toBeGreaterThan(20);
    expect(columns.filter((c) => ADDRESS.test(c.split(': ')[1]!) || /\/$|: $/.test(c))).toEqual([]);
  });

  test('the summary and the HTML report head the dns matrix with those names', () => {
    const summary = renderSummaryMarkdown(real);
    const dns = summary.slice(summary.indexOf('### dns (IPv4)'));
    expect(dns.split('\n').find((l) => l.startsWith('| from'))).toBe(
      '| from \\ to | dns-headless (headless) | dns-probes (FQDN) | dns-probes (short name) | does-not-exist (NXDOMAIN) | kubernetes.default |',
    );
    expect(summary).not.toMatch(/service\/(\d|\s|\|)/);
    const html = renderHtml(real);
    for (const name of ['kubernetes.default', 'dns-probes (short name)', 'does-not-exist (NXDOMAIN)']) expect(html).toContain(`>${name}<`);
  });

  test("a Service VIP column is the Service, from the row's own peer; an address only when nothing names it", () => {
    const svc = (to: Partial<NetworkResult['to']>, properties?: Record<string, string>) =>
      destinationLabel(row({ suite: 'pod-to-service', to: { kind: 'service', node: '', ip: '10.96.0.1', ...to }, ...(properties ? { properties } : {}) }));
    expect(svc({ service: 'kubernetes' })).toBe('service/kubernetes');
    expect(svc({}, { service: 'probes' })).toBe('service/probes');
    expect(svc({})).toBe('service/10.96.0.1');
  });
});
