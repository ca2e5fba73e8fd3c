// Diagnosis reads what a ports row is (port, protocol, expectation, NodePort range, CNI port),
// never the profile's prose: a user's profile that words every reason differently and lists its
// rules in another order than profiles/kubeadm.yaml yields the same diagnosis on the same faults.
import { describe, expect, test } from 'vitest';
import { diagnose, type DiagnoseContext } from '../../../helpers/diagnose/index.ts';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import { loadProfile, parseProfile, type Profile } from '../../../helpers/ports/profiles.ts';
import { expandRules, portRowProperties, type NodeInfo, type PortRow } from '../../../helpers/ports/rules.ts';
import { outcomeOf } from '../../../helpers/check/classify.ts';

type PortVerdict = 'open' | 'refused' | 'filtered';
const OBSERVED = { open: 'REACHABLE', refused: 'REFUSED', filtered: 'FILTERED' } as const;
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { nodePort, podMesh, serviceMesh } from '../fixtures/results.ts';

const SITE_PROFILE = `
name: site
description: our data centre's port policy, in our words
rules:
  - {from: any, to: any, ports: cni, expect: open, why: overlay between hosts}
  - {from: any, to: worker, ports: 30000-32767, protocol: udp, expect: open, why: service ports for datagrams}
  - {from: any, to: worker, ports: 30000-32767, protocol: tcp, expect: open, why: service ports for streams}
  - {from: any, to: any, ports: "10255", protocol: tcp, expect: closed, why: legacy stats endpoint stays off}
  - {from: control-plane, to: any, ports: "10250", protocol: tcp, expect: open, why: node agent}
  - {from: any, to: control-plane, ports: "10259", protocol: tcp, expect: closed, why: scheduler is local only}
  - {from: any, to: control-plane, ports: "10257", protocol: tcp, expect: closed, why: controllers are local only}
  - {from: worker, to: etcd, ports: 2379-2380, protocol: tcp, expect: closed, unless: etcd-datastore, why: the secrets store}
  - {from: control-plane, to: etcd, ports: 2379-2380, protocol: tcp, expect: open, why: database}
  - {from: any, to: control-plane, ports: apiserver, protocol: tcp, expect: open, why: control API}
`;

const CP = { 'node-role.kubernetes.io/control-plane': '' };
const NODES: NodeInfo[] = [
  { name: 'cp-1', address: '10.0.0.10', labels: CP },
  { name: 'worker-1', address: '10.0.0.11', labels: {} },
  { name: 'worker-2', address: '10.0.0.12', labels: {} },
];
const CNI: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN backend', kernelOwned: true }], why: 'test' }];
const CTX: DiagnoseContext = { cni: CNI, nodePortRange: { low: 30000, high: 32767, source: 'cluster' } };

type Verdict = (row: PortRow) => PortVerdict | undefined;

/** The ports suite's results for a profile, as suites/ports.ts records them. */
function portsResults(profile: Profile, fault: Verdict): CheckResult[] {
  const { rows } = expandRules({ profile, nodes: NODES, cni: CNI, apiServerPort: 6443 });
  return rows.map((row) => {
    const verdict = fault(row) ?? (row.expect === 'open' ? 'open' : 'filtered');
    const expect = row.expect === 'open' ? ('REACHABLE' as const) : ('CLOSED' as const);
    const judgement = { expect, observed: OBSERVED[verdict], outcome: outcomeOf(expect, OBSERVED[verdict]), detail: 'fixture' };
    return {
      kind: 'network',
      family: 'ipv4',
      suite: 'ports',
      name: row.title,
      from: { node: row.from, pod: `hostnet-${row.from}`, ip: row.fromAddress, kind: 'host', family: 'ipv4' },
      to: { node: row.to, ip: row.toAddress, kind: 'host', family: 'ipv4' },
      port: row.port,
      protocol: row.protocol,
      expect: judgement.expect,
      observed: judgement.observed,
      outcome: judgement.outcome,
      detail: judgement.detail,
      attempts: 1,
      latencyMs: 3,
      properties: portRowProperties(row, { verdictSource: row.kernelOwned ? 'path-traffic' : 'temporary-listener' }),
    };
  });
}

/** What a diagnosis says, with the profile's own words (quoted back in causes) blanked out. */
function said(results: CheckResult[]) {
  const whys = [...new Set(results.map((r) => r.properties?.['why']).filter((w): w is string => !!w))].sort((a, b) => b.length - a.length);
  const blank = (text: string) => whys.reduce((t, why) => t.split(`(${why})`).join('(…)'), text);
  const { findings } = diagnose(results, CTX);
  return findings
    .map((f) => ({ rule: f.rule, cause: blank(f.cause), rows: f.explains.map((e) => `${e.result.suite} ${e.result.from.node}→${e.result.to.node} ${e.result.port}/${e.result.protocol}`).sort() }))
    .sort((a, b) => a.cause.localeCompare(b.cause));
}

const touchesW2 = (r: CheckResult) => r.from.node !== r.to.node && (r.from.node === 'worker-2' || r.to.node === 'worker-2');

describe('diagnosis does not depend on how a profile is worded', async () => {
  const kubeadm = await loadProfile('kubeadm');
  const site = parseProfile(SITE_PROFILE, { file: 'site.yaml' });

  test('both profiles expand to the same checks (the precondition of the comparison)', () => {
    const key = (r: CheckResult) => `${r.from.node}→${r.to.node} ${r.port}/${r.protocol} ${r.expect}`;
    expect(
      portsResults(site, () => undefined)
        .map(key)
        .sort(),
    ).toEqual(
      portsResults(kubeadm, () => undefined)
        .map(key)
        .sort(),
    );
    expect(portsResults(site, () => undefined).some((r) => /^NodePort/.test(r.properties?.['why'] ?? ''))).toBe(false);
  });

  test('firewall faults: kubelet filtered on worker-1, read-only kubelet open on cp-1, one NodePort filtered on worker-2', () => {
    const fault: Verdict = (r) =>
      (r.to === 'worker-1' && r.port === 10250) || (r.to === 'worker-2' && r.port === 30000 && r.protocol === 'tcp') ? 'filtered' : r.to === 'cp-1' && r.port === 10255 ? 'open' : undefined;
    const others = [...podMesh(), ...serviceMesh(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' && r.port === 30000 ? 'FILTERED' : undefined) })];
    const withKubeadm = said([...others, ...portsResults(kubeadm, fault)]);
    // The NodePort-range row into worker-2 is a NodePort too: nodeport-firewall names it with the NodePort rows (issue 22).
    expect(withKubeadm.map((f) => f.rule).sort()).toEqual(['nodeport-firewall', 'port-firewall', 'port-firewall']);
    expect(said([...others, ...portsResults(site, fault)])).toEqual(withKubeadm);
  });

  test('pod network broken at worker-2 (VXLAN blocked): NodePort-range rows are collateral under both wordings', () => {
    const fault: Verdict = (r) => (r.to === 'worker-2' && (r.port === 8472 || r.port >= 30000) ? 'filtered' : undefined);
    const others = [...podMesh({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) })];
    const withKubeadm = said([...others, ...portsResults(kubeadm, fault)]);
    // UDP 8472 is filtered into worker-2 from every node: that firewall is named, and pod-network defers to it.
    expect(withKubeadm.map((f) => f.rule).sort()).toEqual(['nodeport-over-pod-network', 'overlay-port-firewall', 'pod-network']);
    expect(withKubeadm.find((f) => f.rule === 'nodeport-over-pod-network')!.rows.filter((r) => r.startsWith('ports'))).toHaveLength(12);
    expect(said([...others, ...portsResults(site, fault)])).toEqual(withKubeadm);
  });
});
