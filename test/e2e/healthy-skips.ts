// What a full run on the healthy lab skips, and why — nothing else. A skip is a row that made no
// check; a healthy run whose skips grew (a path that quietly stopped checking, a node left out)
// must fail, not pass with fewer checks. The lab has two on-purpose skips:
// - the loadbalancer suite's two rows (TCP, UDP) when the lab runs no LoadBalancer
//   implementation (LAB_LB unset or none; `lab up --lb metallb` gives addresses): the run creates
//   no LoadBalancer Service then (a healthy run passes no --lb-timeout);
// - the kubeadm profile's `ports: cni` rule on a network whose CNI needs no node-to-node ports
//   (routed: the bridge plugin; flannel host-gw): one row for the rule, whatever the families.
export const SKIP_KINDS = {
  // Without --lb-timeout and with no implementation visible the run does not create the Service at all.
  noLoadBalancer: { suite: 'loadbalancer', reason: /^service\/\S+ \(type LoadBalancer\) was not created: no in-cluster LoadBalancer implementation is visible/ },
  noCniPorts: { suite: 'ports', reason: /^not applicable here: no detected CNI needs node-to-node ports$/ },
} as const;
type Kind = keyof typeof SKIP_KINDS;

/** Lab networks whose CNI opens no node-to-node port (test/detection/compare.ts LabNetwork names). */
const NO_CNI_PORTS = new Set(['routed', 'flannel-host-gw']);

/** The skips a healthy run of `suites` (default: every suite) makes on this lab, by kind, sorted. */
export function expectedHealthySkips(lab: { network?: string; lb?: string }, suites?: readonly string[]): string[] {
  const network = lab.network ?? 'routed';
  const wanted: Kind[] = [...(NO_CNI_PORTS.has(network) ? (['noCniPorts'] as const) : []), ...((lab.lb ?? 'none') === 'none' ? (['noLoadBalancer', 'noLoadBalancer'] as const) : [])];
  return wanted.filter((k) => !suites || suites.includes(SKIP_KINDS[k].suite)).sort();
}

/** The run's skipped rows by kind; a skip of no known kind is named whole, so a diff shows it. */
export function healthySkips(rows: ReadonlyArray<{ suite: string; name: string; outcome: string; reason?: string }>): string[] {
  return rows
    .filter((r) => r.outcome === 'skipped')
    .map((r) => (Object.keys(SKIP_KINDS) as Kind[]).find((k) => SKIP_KINDS[k].suite === r.suite && SKIP_KINDS[k].reason.test(r.reason ?? '')) ?? `${r.suite} ${r.name}: ${r.reason}`)
    .sort();
}

/** The lab this process was started for (test/run-all.sh exports it with LAB_EXPECTED). */
export const labOfEnv = () => ({ network: process.env.LAB_NETWORK, lb: process.env.LAB_LB });
