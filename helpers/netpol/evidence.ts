// What a network-policy case's tables say about two readings of a failure, each about one node N:
//   everywhere:  NetworkPolicy is not enforced for the pods on N at all (an enforcer agent stopped
//                or out of sync there): every denied cell enforced only on N goes through;
//   cross-node:  N's pods' traffic to and from other nodes passes its policy chains (a rule on N's
//                forward path that accepts or marks that traffic first), while traffic between
//                N's own pods is still judged: the cross-node denied cells enforced only on N go
//                through, the same-node ones hold.
// Every denied cell of the model's table names the nodes where a denying side's pod runs
// (truth-table.ts `enforcedAt`: the destination's for an ingress denial, the source's for
// egress) and whether its ends are on different nodes. Under a reading exactly its predicted cells
// go through, and every other cell is as the model says. A case's row records, per reading, the
// nodes whose only-there denials held (evidence N enforces) and the one node whose reading
// explains every wrong cell exactly, if any. The run names N (`netpolFindings`) only when every
// failed case fits the same reading on the same N and no case, passed or failed, showed N holding
// what that reading says it lets through. Pure.
import { cellKey, type Cell, type TruthTable } from './truth-table.ts';

type Reading = 'everywhere' | 'cross-node';
const READINGS: readonly Reading[] = ['everywhere', 'cross-node'];

export interface UnenforcedEvidence {
  /** Per reading: the nodes where a denied cell the reading would let through held. */
  held: Record<Reading, string[]>;
  /** Per reading: the node whose reading explains every wrong cell of the case exactly. */
  leaked: Partial<Record<Reading, string>>;
}

/** Property names on a case's row (results.json, JUnit properties). */
export const PROPERTY: Record<Reading, { held: string; leaked: string }> = {
  everywhere: { held: 'evidence.held.on', leaked: 'evidence.unenforced.on' },
  'cross-node': { held: 'evidence.held.cross-node.on', leaked: 'evidence.unenforced.cross-node.on' },
};

/** The one node a denied cell depends on under `reading` (undefined: the reading never lets it through). */
function soleNode(cell: Cell, reading: Reading): string | undefined {
  const at = cell.enforcedAt ?? [];
  if (at.length !== 1) return undefined;
  if (reading === 'cross-node' && !cell.crossNode) return undefined;
  return at[0];
}

export function unenforcedEvidence(steps: readonly { expected: TruthTable; observed: { table: TruthTable } }[]): UnenforcedEvidence {
  const held = { everywhere: new Set<string>(), 'cross-node': new Set<string>() };
  const through = { everywhere: new Set<string>(), 'cross-node': new Set<string>() };
  const unexplained = { everywhere: false, 'cross-node': false };
  for (const step of steps) {
    const seen = new Map(step.observed.table.cells.map((c) => [cellKey(c), c.allowed]));
    for (const cell of step.expected.cells) {
      const observed = seen.get(cellKey(cell));
      for (const reading of READINGS) {
        // A cell with no verdict, or an allowed connection blocked: no reading here explains it.
        if (observed === undefined || (cell.allowed && !observed)) unexplained[reading] = true;
        if (observed === undefined || cell.allowed) continue;
        const node = soleNode(cell, reading);
        if (!observed) {
          if (node) held[reading].add(node);
        } else if (node) through[reading].add(node);
        else unexplained[reading] = true; // a denied cell went through that this reading keeps denied
      }
    }
  }
  const leaked: Partial<Record<Reading, string>> = {};
  for (const reading of READINGS) {
    const [only] = through[reading];
    if (!unexplained[reading] && through[reading].size === 1 && only !== undefined && !held[reading].has(only)) leaked[reading] = only;
  }
  return { held: { everywhere: [...held.everywhere].sort(), 'cross-node': [...held['cross-node']].sort() }, leaked };
}

export function evidenceProperties(e: UnenforcedEvidence): Record<string, string> {
  const out: Record<string, string> = {};
  for (const reading of READINGS) {
    if (e.held[reading].length) out[PROPERTY[reading].held] = e.held[reading].join(',');
    const node = e.leaked[reading];
    if (node) out[PROPERTY[reading].leaked] = node;
  }
  return out;
}

interface CaseRow {
  suite: string;
  name: string;
  outcome: string;
  properties?: Record<string, string>;
}

export interface NetpolFinding {
  rule: string;
  cause: string;
  /** The failed cases it explains (row names). */
  cases: string[];
}

const list = (items: readonly string[], max = 4) => (items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', '));
const casesText = (rows: readonly CaseRow[]) => `${rows.length} case${rows.length === 1 ? '' : 's'}: ${list(rows.map((r) => r.name))}`;

/** The node every failed case names under `reading`, if none of the cases showed it holding there. */
function fits(reading: Reading, cases: readonly CaseRow[], failed: readonly CaseRow[]): { node: string; others: string[] } | undefined {
  const leaked = new Set(failed.map((r) => r.properties?.[PROPERTY[reading].leaked] ?? ''));
  const [node] = leaked;
  const heldOn = new Set(cases.flatMap((r) => (r.properties?.[PROPERTY[reading].held] ?? '').split(',').filter(Boolean)));
  if (leaked.size !== 1 || !node || heldOn.has(node)) return undefined;
  return { node, others: [...heldOn].sort() };
}

/** The run-level reading of the network-policy rows: one node's enforcement (everywhere, or its cross-node traffic), else the failed cases as unexplained. */
export function netpolFindings(rows: readonly CaseRow[]): NetpolFinding[] {
  const cases = rows.filter((r) => r.suite === 'network-policy' && (r.outcome === 'passed' || r.outcome === 'failed'));
  const failed = cases.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) return [];
  const names = failed.map((r) => r.name);
  const everywhere = fits('everywhere', cases, failed);
  if (everywhere) {
    const { node, others } = everywhere;
    return [
      {
        rule: 'netpol-unenforced-node',
        cause:
          `NetworkPolicy is not enforced for the pods on ${node} (${casesText(failed)}): ` +
          `exactly the connections that only policies of ${node}'s pods deny (ingress to them, egress from them) went through, and every other cell was as the model says` +
          `${others.length ? `; the same policies held for the pods on ${list(others)}` : ''} — check the NetworkPolicy enforcer on ${node}: ` +
          `its agent running and in sync with the API server, and its rules in ${node}'s firewall`,
        cases: names,
      },
    ];
  }
  const crossNode = fits('cross-node', cases, failed);
  if (crossNode) {
    const { node, others } = crossNode;
    return [
      {
        rule: 'netpol-bypass-node',
        cause:
          `NetworkPolicy is bypassed on ${node} for its pods' traffic to and from other nodes (${casesText(failed)}): ` +
          `exactly the cross-node connections that only policies of ${node}'s pods deny went through, while the same policies held between ${node}'s own pods` +
          `${others.length ? ` and for the pods on ${list(others)}` : ''} — the enforcer on ${node} runs, but something on ${node}'s forward path accepts or marks ` +
          `that traffic before its policy chains (a rule ahead of them, or another component setting the enforcer's "allowed" mark); compare ${node}'s FORWARD and mangle rules with another node's`,
        cases: names,
      },
    ];
  }
  return [
    {
      rule: 'netpol-unexplained',
      cause: `${failed.length} network-policy case${failed.length === 1 ? '' : 's'} disagree${failed.length === 1 ? 's' : ''} with the model in no pattern a rule knows (${list(names)}): read each case's wrong cells and policies`,
      cases: names,
    },
  ];
}
