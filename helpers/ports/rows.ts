// Pieces of the ports suite's rows (suites/ports.ts): the one-line plan description and the
// --short sampling of the expanded profile rules. Pure; unit-tested.
import { describeCni } from './cni.ts';
import type { PortRow } from './rules.ts';
import type { PortsPlan } from './types.ts';

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
