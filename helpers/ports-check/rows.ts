// Topology → the ports suite's rows: the profile's rules expanded over the nodes by role and the
// detected CNI (helpers/ports/rules.ts), one row per (source node → target node, port/proto),
// each run from the source node's host-network probe. Rules that do not apply here become
// skipped rows with the reason, so the report shows what was not checked. Pure; unit-tested.
import { describeCni } from '../ports/cni.ts';
import { expandRules, type PortRow } from '../ports/rules.ts';
import { skippedNodeRows } from '../rows.ts';
import type { ProbePod } from '../topology.ts';
import type { PortsPlan } from './types.ts';

export interface PortsCheckRow extends PortRow {
  kind: 'port';
  suite: 'ports';
  /** The host-network probe on the source node that dials. */
  sourceProbe: string;
}

export interface PortsStaticRow {
  kind: 'error' | 'skip';
  suite: 'ports';
  title: string;
  node?: string;
  reason: string;
}

export type PortsSuiteRow = PortsCheckRow | PortsStaticRow;

/** One line for the report header: profile, CNI, API server port. */
export function describePortsPlan(plan: PortsPlan): string {
  const cni = plan.cni.length ? plan.cni.map(describeCni).join('; ') : 'none detected';
  return `profile ${plan.profile.name} (${plan.profile.file}); CNI: ${cni}; API server port: ${plan.apiServerPort ?? 'unknown'} (${plan.apiServerPortSource})`;
}

/**
 * --short: each (target, port, protocol) of a rule from one source only — the first source after
 * the target in name order, wrapping around — so every node is still checked as a target and the
 * sources take turns: O(nodes × ports) exec calls instead of O(nodes² × ports).
 */
export function shortSample<R extends Pick<PortRow, 'from' | 'to' | 'port' | 'protocol' | 'rule'>>(rows: readonly R[]): R[] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const key = `${r.to}|${r.port}|${r.protocol}|${r.rule}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.from.localeCompare(b.from));
    return sorted.find((r) => r.from.localeCompare(r.to) > 0) ?? sorted[0]!;
  });
}

export function portsRows(plan: PortsPlan | undefined, probes: readonly ProbePod[], clusterNodes: readonly { name: string; skipReason?: string }[] = [], options: { short?: boolean } = {}): PortsSuiteRow[] {
  if (!plan) return [{ kind: 'skip', suite: 'ports', title: 'ports setup', reason: 'the ports suite was not prepared in this run' }];
  const rows: PortsSuiteRow[] = skippedNodeRows('ports', clusterNodes);
  const nodes = plan.nodes.filter((n) => {
    if (n.address) return true;
    rows.push({ kind: 'skip', suite: 'ports', title: `node ${n.name} (no ${plan.addressType})`, node: n.name, reason: `node ${n.name} has no ${plan.addressType} address; pass --node-address-type` });
    return false;
  });
  let expanded;
  try {
    expanded = expandRules({ profile: plan.profile, nodes: nodes.map((n) => ({ name: n.name, address: n.address!, labels: n.labels })), cni: plan.cni, apiServerPort: plan.apiServerPort });
  } catch (err) {
    return [...rows, { kind: 'error', suite: 'ports', title: `profile ${plan.profile.name}`, reason: `${(err as Error).message} (${plan.apiServerPortSource})` }];
  }
  for (const s of expanded.skipped) {
    rows.push({ kind: 'skip', suite: 'ports', title: `rule ${s.rule.source}: ${s.rule.from} → ${s.rule.to} ${s.rule.portsText}${s.rule.protocol ? `/${s.rule.protocol}` : ''} must be ${s.rule.expect} (${s.rule.why})`, reason: `not applicable here: ${s.why}` });
  }
  const hostProbe = (node: string) => probes.find((p) => p.role === 'host' && p.node === node);
  for (const row of options.short ? shortSample(expanded.rows) : expanded.rows) {
    const probe = hostProbe(row.from);
    if (!probe?.ready) {
      rows.push({ kind: 'error', suite: 'ports', title: row.title, node: row.from, reason: `the host-network probe on ${row.from} ${probe ? `never became ready: ${probe.problem ?? 'unknown reason'}` : 'was not deployed'}` });
      continue;
    }
    // A profile may name a CNI port outright (seed-2017: "8472/udp when flannel/vxlan"): if the
    // detected CNI's kernel owns it, it is judged from pod traffic like a `ports: cni` row.
    const kernelOwned = row.kernelOwned || plan.cni.some((c) => c.ports.some((p) => p.kernelOwned && p.port === row.port && p.protocol === row.protocol));
    rows.push({ ...row, ...(kernelOwned ? { kernelOwned } : {}), kind: 'port', suite: 'ports', sourceProbe: probe.name });
  }
  return rows;
}
