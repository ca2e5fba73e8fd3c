// How a ports-suite verdict was obtained, reported per row (issue 4: a port without a listener
// cannot prove the firewall lets it through). The wire verdicts themselves come from the one
// classifier (helpers/check/classify.ts) like every path's.

/**
 * How a verdict was obtained, reported per row (issue 4: a port without a listener cannot
 * prove the firewall lets it through).
 */
export const VERDICT_SOURCES = {
  'existing-listener': 'a component already listens on the port; connected to it',
  'temporary-listener': 'the port was free: a temporary listener was started on the target host for this check',
  'path-traffic': 'the kernel owns this port (VXLAN device): verified through the traffic that uses it, cross-node pod checks',
  'no-listener': 'the port was free and no listener could be started: "refused" shows the packets arrive, not more',
  direct: 'checked as the cluster has it, no listener added: a port that must be closed must stay unreachable, and a filtered port is dropped whatever listens',
} as const;
export type VerdictSource = keyof typeof VERDICT_SOURCES;
