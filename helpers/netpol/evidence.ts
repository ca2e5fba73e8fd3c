// What a network-policy case's tables say about one reading of a failure: "NetworkPolicy is not
// enforced for the pods on node N" (an enforcer agent stopped or out of sync there, or a rule on
// that node that lets its pods' traffic bypass the policy chains). Every denied cell of the
// model's table names the nodes where a denying side's pod runs (truth-table.ts `enforcedAt`);
// under that reading exactly the denied cells enforced only on N go through, and every other cell
// is as the model says. A row records, per case:
//   held:    the nodes some denied cell enforced only there was denied on (evidence N enforces);
//   leaked:  the one node whose reading explains every wrong cell of the case exactly, if any.
// The run-level cause (`unenforcedOnNode`) is named only when every failed case's leaked node is
// the same N and no case, passed or failed, showed N's pods' policies holding. Pure.
import { cellKey, type TruthTable } from './truth-table.ts';

export interface UnenforcedEvidence {
  held: string[];
  leaked?: string;
}

/** Property names on a case's row (results.json, JUnit properties). */
export const HELD_PROPERTY = 'evidence.held.on';
export const LEAKED_PROPERTY = 'evidence.unenforced.on';

export function unenforcedEvidence(steps: readonly { expected: TruthTable; observed: { table: TruthTable } }[]): UnenforcedEvidence {
  const held = new Set<string>();
  /** Nodes whose only-there denied cells went through, and whether each such cell did. */
  const leakedOnly = new Set<string>();
  const heldOnly = new Set<string>();
  let otherWrong = false;
  for (const step of steps) {
    const seen = new Map(step.observed.table.cells.map((c) => [cellKey(c), c.allowed]));
    for (const cell of step.expected.cells) {
      const observed = seen.get(cellKey(cell));
      if (observed === undefined) {
        otherWrong = true;
        continue;
      }
      if (cell.allowed) {
        if (!observed) otherWrong = true; // an allowed connection blocked: not this reading
        continue;
      }
      const at = cell.enforcedAt ?? [];
      if (!observed) {
        if (at.length === 1) {
          held.add(at[0]!);
          heldOnly.add(at[0]!);
        }
        continue;
      }
      // A denied cell went through: this reading explains it only when one node alone enforces it.
      if (at.length === 1) leakedOnly.add(at[0]!);
      else otherWrong = true;
    }
  }
  const [only] = leakedOnly;
  const leaked = !otherWrong && leakedOnly.size === 1 && only !== undefined && !heldOnly.has(only) ? only : undefined;
  return { held: [...held].sort(), ...(leaked ? { leaked } : {}) };
}

export function evidenceProperties(e: UnenforcedEvidence): Record<string, string> {
  return { ...(e.held.length ? { [HELD_PROPERTY]: e.held.join(',') } : {}), ...(e.leaked ? { [LEAKED_PROPERTY]: e.leaked } : {}) };
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

/** The run-level reading of the network-policy rows: one node's pods unenforced, or the failed cases listed as unexplained. */
export function netpolFindings(rows: readonly CaseRow[]): NetpolFinding[] {
  const cases = rows.filter((r) => r.suite === 'network-policy' && (r.outcome === 'passed' || r.outcome === 'failed'));
  const failed = cases.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) return [];
  const leaked = new Set(failed.map((r) => r.properties?.[LEAKED_PROPERTY] ?? ''));
  const [node] = leaked;
  const heldOn = new Set(cases.flatMap((r) => (r.properties?.[HELD_PROPERTY] ?? '').split(',').filter(Boolean)));
  if (leaked.size === 1 && node && !heldOn.has(node)) {
    const others = [...heldOn].sort();
    return [
      {
        rule: 'netpol-unenforced-node',
        cause:
          `NetworkPolicy is not enforced for the pods on ${node} (${failed.length} case${failed.length === 1 ? '' : 's'}: ${list(failed.map((r) => r.name))}): ` +
          `exactly the connections that only policies of ${node}'s pods deny (ingress to them, egress from them) went through, and every other cell was as the model says` +
          `${others.length ? `; the same policies held for the pods on ${list(others)}` : ''} — check the NetworkPolicy enforcer on ${node}: ` +
          `its agent running and in sync with the API server, and no rule in ${node}'s firewall that accepts its pods' traffic before the policy chains`,
        cases: failed.map((r) => r.name),
      },
    ];
  }
  return [
    {
      rule: 'netpol-unexplained',
      cause: `${failed.length} network-policy case${failed.length === 1 ? '' : 's'} disagree${failed.length === 1 ? 's' : ''} with the model in no pattern a rule knows (${list(failed.map((r) => r.name))}): read each case's wrong cells and policies`,
      cases: failed.map((r) => r.name),
    },
  ];
}
