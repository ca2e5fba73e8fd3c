// Setup problems said once each: eight probes stuck on the same ImagePullBackOff are one line
// naming the eight pods and their nodes, not eight copies of a long message. Pure; unit-tested.

export interface ProblemGroup {
  problem: string;
  pods: string[];
  nodes: string[];
  /** "ImagePullBackOff: … — 8 pods (probe-a-w1, …) on 4 nodes (w1, …)" */
  text: string;
}

function list(items: string[], max = 6): string {
  return items.length > max ? `${items.slice(0, max).join(', ')}, … ${items.length - max} more` : items.join(', ');
}

/** Group by problem text, in order of first appearance; each group names its pods and nodes. */
export function groupProblems(items: readonly { name: string; node: string; problem?: string }[]): ProblemGroup[] {
  const groups = new Map<string, { pods: string[]; nodes: string[] }>();
  for (const item of items) {
    const problem = item.problem ?? 'unknown reason';
    const g = groups.get(problem) ?? { pods: [], nodes: [] };
    g.pods.push(item.name);
    if (!g.nodes.includes(item.node)) g.nodes.push(item.node);
    groups.set(problem, g);
  }
  return [...groups].map(([problem, g]) => ({
    problem,
    pods: g.pods,
    nodes: g.nodes,
    text: `${problem} — ${g.pods.length === 1 ? `pod ${g.pods[0]}` : `${g.pods.length} pods (${list(g.pods)})`} on ${g.nodes.length === 1 ? `node ${g.nodes[0]}` : `${g.nodes.length} nodes (${list(g.nodes)})`}`,
  }));
}
