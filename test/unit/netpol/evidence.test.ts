// "NetworkPolicy is not enforced for the pods on node N": the cells the model denies name where a
// denying side's pod runs; a case fits the reading only when exactly the cells enforced on N
// alone went through; the run names N only when every failed case fits and no case showed N's
// pods' policies holding.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { StaticResult } from '../../../helpers/check/types.ts';
import { evidenceProperties, netpolFindings, unenforcedEvidence } from '../../../helpers/netpol/evidence.ts';
import { expectedTable, type ProbeSet, type TruthTable } from '../../../helpers/netpol/truth-table.ts';
import { netpol, world } from './fixtures.ts';

// x/a, x/b on n1; y/a, y/b on n2.
const pods = ['x/a', 'x/b', 'y/a', 'y/b'].map((pod) => ({ pod }));
const probes: ProbeSet = { from: pods, to: pods, ports: [{ port: 80, protocol: 'TCP' }] };
const denyIngress = (ns: string) => netpol(`${ns}/deny`, { podSelector: {}, policyTypes: ['Ingress'] });
const denyEgress = (ns: string) => netpol(`${ns}/deny-egress`, { podSelector: {}, policyTypes: ['Egress'] });

/** What an enforcer that ignores node `off` shows: denied cells enforced only there go through (with `crossOnly`, only those between nodes). */
function observedWithout(expected: TruthTable, off: string | undefined, crossOnly = false): { table: TruthTable } {
  const through = (c: TruthTable['cells'][number]) => off !== undefined && c.enforcedAt?.length === 1 && c.enforcedAt[0] === off && (!crossOnly || c.crossNode === true);
  return { table: { cells: expected.cells.map((c) => ({ ...c, allowed: c.allowed || through(c) })) } };
}

function caseRow(name: string, expected: TruthTable, observed: { table: TruthTable }): StaticResult {
  const e = unenforcedEvidence([{ expected, observed }]);
  const wrong = expected.cells.some((c, i) => c.allowed !== observed.table.cells[i]!.allowed);
  return { kind: 'static', suite: 'network-policy', name, status: 'fact', outcome: wrong ? 'failed' : 'passed', detail: '', properties: evidenceProperties(e) };
}

describe('where a denied cell is enforced', () => {
  test("an ingress denial at the destination pod's node, an egress one at the source's, both when both deny", () => {
    const table = expectedTable(world([denyIngress('x'), denyEgress('y')]), probes);
    const at = (from: string, to: string) => table.cells.find((c) => c.from === from && c.to === to)!;
    expect(at('y/a', 'x/a').enforcedAt).toEqual(['n1', 'n2']); // y's egress (n2) and x's ingress (n1)
    expect(at('x/b', 'x/a').enforcedAt).toEqual(['n1']); // x's ingress only
    expect(at('y/a', 'y/b').enforcedAt).toEqual(['n2']); // y's egress only
    expect(at('x/a', 'y/a').allowed).toBe(true); // x has no egress policy, y none for ingress
    expect(at('x/a', 'y/a').enforcedAt).toBeUndefined();
  });
});

describe('a case under "not enforced on node N"', () => {
  test("exactly the cells enforced only on n1 went through: leaked on n1; n2's denials held", () => {
    const expected = expectedTable(world([denyIngress('x'), denyIngress('y')]), probes);
    const e = unenforcedEvidence([{ expected, observed: observedWithout(expected, 'n1') }]);
    expect(e.leaked.everywhere).toBe('n1');
    expect(e.held.everywhere).toEqual(['n2']);
    expect(e.leaked['cross-node']).toBeUndefined(); // n1's same-node denials went through too
  });

  test("must not fit: one of n1's denials held (partial), or an allowed cell was blocked", () => {
    const expected = expectedTable(world([denyIngress('x')]), probes);
    const observed = observedWithout(expected, 'n1');
    const firstN1 = observed.table.cells.findIndex((c, i) => c.allowed && !expected.cells[i]!.allowed);
    const partial = { table: { cells: observed.table.cells.map((c, i) => (i === firstN1 ? { ...c, allowed: false } : c)) } };
    expect(unenforcedEvidence([{ expected, observed: partial }]).leaked.everywhere).toBeUndefined();
    const blocked = { table: { cells: observed.table.cells.map((c, i) => (expected.cells[i]!.allowed && i === 0 ? { ...c, allowed: false } : c)) } };
    expect(unenforcedEvidence([{ expected, observed: blocked }]).leaked).toEqual({});
  });

  test('a case that passed records the nodes whose denials held, and no leak', () => {
    const expected = expectedTable(world([denyIngress('x'), denyIngress('y')]), probes);
    expect(unenforcedEvidence([{ expected, observed: observedWithout(expected, undefined) }])).toEqual({ held: { everywhere: ['n1', 'n2'], 'cross-node': ['n1', 'n2'] }, leaked: {} });
  });

  test("only the cross-node denials enforced on n1 went through (n1's own pods still judged): the cross-node reading fits, the everywhere one does not", () => {
    const expected = expectedTable(world([denyIngress('x'), denyIngress('y')]), probes);
    const e = unenforcedEvidence([{ expected, observed: observedWithout(expected, 'n1', true) }]);
    expect(e.leaked).toEqual({ 'cross-node': 'n1' });
    expect(e.held.everywhere).toEqual(['n1', 'n2']); // x/b → x/a held on n1
  });
});

describe('the run-level cause', () => {
  const xOnly = expectedTable(world([denyIngress('x')]), probes);
  const yOnly = expectedTable(world([denyIngress('y')]), probes);
  const both = expectedTable(world([denyIngress('x'), denyIngress('y')]), probes);

  test('every failed case leaked on n1 and no case held there → "not enforced for the pods on n1", with the cases', () => {
    const rows = [caseRow('ingress/x', xOnly, observedWithout(xOnly, 'n1')), caseRow('ingress/both', both, observedWithout(both, 'n1')), caseRow('ingress/y', yOnly, observedWithout(yOnly, 'n1'))];
    expect(rows.map((r) => r.outcome)).toEqual(['failed', 'failed', 'passed']);
    const [finding, ...more] = netpolFindings(rows);
    expect(more).toEqual([]);
    expect(finding!.rule).toBe('netpol-unenforced-node');
    expect(finding!.cause).toMatch(
      /^NetworkPolicy is not enforced for the pods on n1 \(2 cases: ingress\/x, ingress\/both\): exactly the connections that only policies of n1's pods deny .* held for the pods on n2 — check the NetworkPolicy enforcer on n1/,
    );
    const { causes, results } = diagnose(rows);
    expect(causes).toEqual([finding!.cause]);
    expect(results.find((r) => r.name === 'ingress/x')!.diagnosis).toEqual(['NetworkPolicy is not enforced for the pods on n1 (2 cases']);
  });

  test("must not fire: another case showed n1's pods' policies holding → unexplained, naming the cases", () => {
    const rows = [caseRow('ingress/both', both, observedWithout(both, 'n1')), caseRow('ingress/x-held', xOnly, observedWithout(xOnly, undefined))];
    const findings = netpolFindings(rows);
    expect(findings.map((f) => f.rule)).toEqual(['netpol-unexplained']);
    expect(findings[0]!.cause).toBe("1 network-policy case disagrees with the model in no pattern a rule knows (ingress/both): read each case's wrong cells and policies");
  });

  test("every failed case lets exactly n1's cross-node denials through and n1's own pods are still judged → \"bypassed on n1 for its pods' traffic to and from other nodes\"", () => {
    const rows = [
      caseRow('ingress/x', xOnly, observedWithout(xOnly, 'n1', true)),
      caseRow('ingress/both', both, observedWithout(both, 'n1', true)),
      caseRow('ingress/y', yOnly, observedWithout(yOnly, 'n1', true)),
    ];
    const findings = netpolFindings(rows);
    expect(findings.map((f) => f.rule)).toEqual(['netpol-bypass-node']);
    expect(findings[0]!.cause).toMatch(
      /^NetworkPolicy is bypassed on n1 for its pods' traffic to and from other nodes \(2 cases: ingress\/x, ingress\/both\): exactly the cross-node connections .* held between n1's own pods and for the pods on n2 — /,
    );
  });

  test('must not fire: the failed cases leak on different nodes', () => {
    const rows = [caseRow('ingress/x', xOnly, observedWithout(xOnly, 'n1')), caseRow('ingress/y', yOnly, observedWithout(yOnly, 'n2'))];
    expect(netpolFindings(rows).map((f) => f.rule)).toEqual(['netpol-unexplained']);
  });

  test('no failed case, or skipped rows only: nothing to say', () => {
    expect(netpolFindings([caseRow('ingress/x', xOnly, observedWithout(xOnly, undefined))])).toEqual([]);
    expect(netpolFindings([{ suite: 'network-policy', name: 'a', outcome: 'skipped' }])).toEqual([]);
  });
});
