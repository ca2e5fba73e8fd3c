// The overlay's own port filtered into one node from every node its pod traffic fails with, while
// other nodes accept it: that firewall is the cause of the node's broken pod network, so it is
// named before pod-network (which then defers to it) — the first line on-call reads is the fix.
// The evidence is rule.ts overlayPortFilteredInto, the same that pod-network reads.
import { portFinding } from './port-firewall.ts';
import { overlayPortFilteredInto, type DiagnosisRule, type RuleFinding } from './rule.ts';

export const overlayPortFirewall: DiagnosisRule = {
  id: 'overlay-port-firewall',
  pattern:
    "the port judged from the overlay's own traffic (e.g. UDP 8472) is filtered into a node from every node its cross-node pod traffic fails with, while other nodes accept it → that port on the node's firewall, named before the pod-network cause it explains (not when the port fails between one pair both ways: port-firewall's two readings)",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    for (const node of new Set(open.filter((f) => f.path === 'ports').map((f) => f.to.node))) {
      const rows = overlayPortFilteredInto(all, node)?.filter((f) => open.includes(f));
      if (rows?.length) findings.push({ ...portFinding(rows, all), rule: this.id });
    }
    return findings;
  },
};
