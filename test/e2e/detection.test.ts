// Proven detection: the full suite MUST pass on a healthy lab, repeatedly, and MUST fail exactly
// the rows each lab fault breaks, naming the cause. Cases and expectations are data
// (test/detection/cases.ts); this runs those of the lab's current network mode. On the
// NetworkPolicy lab (LAB_NETPOL=kube-router: `lab up --netpol kube-router`) the runs, healthy ones
// too, are the network-policy suite's core cases (NETPOL_RUN_ARGS), and the cases its
// enforcement faults.
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { isNetwork } from '../../helpers/check/types.ts';
import { FAULT_CASES, healthyRunArgs } from '../detection/cases.ts';
import { caseRunsOn, describeVerdict, type LabIpFamily, type LabNetpol, type LabNetwork, type ProxyMode } from '../detection/compare.ts';
import { labMode, modeName, runCase, runSuite } from '../detection/run.ts';
import { kubectl, requireLab } from './cli-helpers.ts';
import { expectHealthyNodePortsAndPorts } from './healthy-ports.ts';
import { expectedHealthySkips, healthySkips } from './healthy-skips.ts';

const HEALTHY_RUNS = Number(process.env.DETECTION_HEALTHY_RUNS ?? 5);
const reportRoot = path.resolve(import.meta.dirname, '..', '..', 'reports', 'detection-test');
const wanted = (process.env.LAB_NETWORK ?? 'routed') as LabNetwork;
const wantedProxy = (process.env.LAB_PROXY_MODE ?? 'iptables') as ProxyMode;
/** The lab's IP families (`lab up --ip-family`): the cases of that family run (IPv4 by default). */
const wantedFamily = (process.env.LAB_IP_FAMILY ?? 'ipv4') as LabIpFamily;
/** The lab's NetworkPolicy enforcer (`lab up --netpol`): with one, only the cases that need it run (none by default). */
const wantedNetpol = (process.env.LAB_NETPOL ?? 'none') as LabNetpol;
/** Only these fault cases (comma-separated ids), e.g. to fit a time budget; all of the mode's by default. */
const onlyCases = process.env.DETECTION_CASES ? process.env.DETECTION_CASES.split(',').filter(Boolean) : undefined;
/** Fault cases (comma-separated ids) left out, e.g. ones another step of npm test already runs. */
const skipCases = (process.env.DETECTION_SKIP ?? '').split(',').filter(Boolean);
/** What the run must record as the cluster's CNI: stated by the lab, or found from flanneld's own annotations. */
const EXPECTED_CNI: Record<LabNetwork, string> = {
  routed: 'bridge',
  vxlan: 'vxlan',
  'flannel-vxlan': 'flannel/vxlan',
  'flannel-host-gw': 'flannel/host-gw',
  bgp: 'bgp',
};
/** The report folder `npm run detect -- --from reports/detection-test` reads back: `routed`, `vxlan-nftables`, `routed-kube-router`. */
const modeDir = modeName({ network: wanted, proxyMode: wantedProxy, ipFamily: wantedFamily, netpol: wantedNetpol });
const ofMode = FAULT_CASES.filter((c) => c.networks.includes(wanted) && caseRunsOn(c, { ipFamily: wantedFamily, netpol: wantedNetpol, proxyMode: wantedProxy }));
const cases = ofMode.filter((c) => (!onlyCases || onlyCases.includes(c.id)) && !skipCases.includes(c.id));

beforeAll(async () => {
  // A case named in DETECTION_CASES that this network does not have would shrink coverage silently.
  expect(
    [...(onlyCases ?? []), ...skipCases].filter((id) => !ofMode.some((c) => c.id === id)),
    `DETECTION_CASES/DETECTION_SKIP name cases ${wanted} does not have`,
  ).toEqual([]);
  const mode = await labMode();
  expect(mode, 'the lab runs the network, kube-proxy mode and NetworkPolicy enforcer this test was started for').toEqual({ network: wanted, proxyMode: wantedProxy, netpol: wantedNetpol });
});

const up = requireLab();
const title = [wanted, `kube-proxy ${wantedProxy}`, ...(wantedFamily === 'ipv4' ? [] : [wantedFamily]), ...(wantedNetpol === 'none' ? [] : [`NetworkPolicy ${wantedNetpol}`])].join(', ');
describe.skipIf(!up)(`detection (${title})`, { sequential: true }, () => {
  test.runIf(wantedNetpol !== 'none')(`a healthy lab passes every network-policy core case, enforced, ${HEALTHY_RUNS} runs in a row`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < HEALTHY_RUNS; i++) {
      const { run, exitCode, stderr } = await runSuite({ reportDir: path.join(reportRoot, `${modeDir}-healthy-${i}`), extraArgs: healthyRunArgs({ netpol: wantedNetpol }) });
      const bad = run.results.filter((r) => r.outcome !== 'passed');
      failures.push(...bad.map((r) => `run ${i}: ${r.suite}: ${r.name}: ${r.outcome}: ${r.detail.split('\n').slice(0, 3).join(' | ')}`));
      expect(run.results.length, stderr).toBeGreaterThanOrEqual(9);
      expect(run.results.every((r) => r.suite === 'network-policy')).toBe(true);
      // Enforcement detected, not assumed: without it every row is skipped and nothing is judged.
      expect(run.results[0]!.properties?.canary, stderr).toMatch(/^a default-deny ingress policy on x\/a stopped /);
      expect(run.diagnosis, `run ${i}: causes on a healthy lab`).toEqual([]);
      if (!bad.length) expect(exitCode).toBe(0);
    }
    expect(failures).toEqual([]);
  });

  test.runIf(wantedNetpol === 'none')(`a healthy lab passes every check, ${HEALTHY_RUNS} runs in a row, skips only what it must, and the run records the CNI`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < HEALTHY_RUNS; i++) {
      const { run, exitCode, stderr } = await runSuite({ reportDir: path.join(reportRoot, `${modeDir}-healthy-${i}`) });
      const bad = run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
      failures.push(...bad.map((r) => `run ${i}: ${r.suite}: ${r.name}: ${r.detail}`));
      expect(run.results.length).toBeGreaterThan(0);
      // Only the lab's on-purpose skips (no LoadBalancer implementation, a CNI without node ports): a row that stopped checking fails here.
      expect(healthySkips(run.results), `run ${i}: skipped rows`).toEqual(expectedHealthySkips({ network: wanted, lb: process.env.LAB_LB }));
      expect(run.cluster.cni, 'the CNI the run detected').toEqual([EXPECTED_CNI[wanted]]);
      // The nodeport and ports suites as the kubeadm profile sees this network (also what npm test's
      // per-network steps need of them: no run of their own there).
      expectHealthyNodePortsAndPorts(run.results, stderr, {
        network: wanted,
        lb: process.env.LAB_LB,
        nodes: kubectl('get', 'nodes', '-o', 'name').split('\n').filter(Boolean).length,
        families: wantedFamily === 'dual' ? 2 : 1,
      });
      if (wanted === 'bgp') {
        // TCP 179 between every ordered node pair, answered by the BGP daemons themselves.
        const portRows = run.results.filter(isNetwork).filter((r) => r.suite === 'ports');
        const bgpRows = portRows.filter((r) => r.port === 179 && r.protocol === 'tcp');
        const nodes = new Set(portRows.flatMap((r) => [r.from.node, r.to.node]));
        expect(bgpRows.map((r) => `${r.from.node} → ${r.to.node}`).sort(), 'a TCP 179 row for every ordered node pair').toEqual(
          [...nodes].flatMap((a) => [...nodes].filter((b) => b !== a).map((b) => `${a} → ${b}`)).sort(),
        );
        const notBird = bgpRows.filter((r) => r.outcome !== 'passed' || r.properties?.verdictSource !== 'existing-listener');
        expect(
          notBird.map((r) => `${r.from.node} → ${r.to.node}: ${r.outcome}, ${r.properties?.verdictSource} (${r.properties?.['listener.note'] ?? 'no listener note'}): ${r.detail}`),
          'TCP 179 rows that did not pass against the BGP daemon itself',
        ).toEqual([]);
      }
      if (!bad.length) expect(exitCode).toBe(0);
    }
    expect(failures).toEqual([]);
  });

  test.each(cases.map((c) => [c.id, c] as const))('fault %s is detected exactly', async (_id, c) => {
    // One run, judged as it is: the probes' servers survive every fault (a failed answer never
    // ends them), so no probe restarts and nothing needs a second run.
    const r = await runCase(c, { reportRoot: path.join(reportRoot, modeDir) });
    expect(
      r.run.diagnosis.filter((d) => /pod churn/.test(d)),
      'probe churn during a fault run',
    ).toEqual([]);
    if (c.selfHealing) {
      expect(r.verdict.ok, describeVerdict(r.verdict)).toBe(true);
      expect(r.exitCode, 'a fault the network heals itself leaves the run passing').toBe(0);
      return;
    }
    expect(r.exitCode, 'a detected fault makes the CLI exit 1').toBe(1);
    expect(r.verdict.ok, describeVerdict(r.verdict)).toBe(true);
  });
});
