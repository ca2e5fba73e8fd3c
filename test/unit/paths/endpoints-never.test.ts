// Setup problems are never network verdicts (issue 20), one way in every suite: a Service that
// could not be created or whose endpoints never appeared, a NodePort backend that never became
// ready, a host probe whose identity could not be read → every row that depends on it is a
// not-run row with the same title and the reason; rows that do not depend on it still run.
import { describe, expect, test } from 'vitest';
import { loadSuiteModules } from '../../../helpers/check/modules.ts';
import { rowsOf } from '../../../helpers/check/select.ts';
import type { Check } from '../../../helpers/check/types.ts';
import { probesFromPods, type Topology } from '../../../helpers/topology.ts';
import type { Pod } from '../../../helpers/kube/index.ts';
import { familyTopology } from '../dual/topologies.ts';

const modules = await loadSuiteModules();
const module = (name: string) => modules.find((m) => m.name === name)!;
const why = 'timed out after 30 s waiting for the EndpointSlices of Service netconform-abc123/x to list 6 ready endpoints';

async function rowsWith(suite: string, change: (plan: Record<string, unknown>) => Record<string, unknown>, layout: 'ipv4' | 'dual' = 'ipv4'): Promise<{ healthy: Check[]; broken: Check[] }> {
  const t: Topology = await familyTopology(layout);
  const healthy = rowsOf(module(suite), t, {});
  const broken = rowsOf(module(suite), { ...t, plans: { ...t.plans, [suite]: change(t.plans[suite] as Record<string, unknown>) } }, {});
  return { healthy, broken };
}

const titles = (rows: Check[]) => rows.map((r) => r.title);
const notRunWith = (rows: Check[], reason: string) => rows.filter((r) => r.kind === 'static' && r.status === 'not-run' && r.reason === reason);

describe('a Service that could not be used: its rows are not run with the reason, same titles, never failed', () => {
  test.each([
    [
      'pod-to-service',
      (p: Record<string, unknown>) => ({ ...p, probesProblem: `the probes Service's endpoints never all appeared: ${why}` }),
      `the probes Service's endpoints never all appeared: ${why}`,
    ],
    ['pod-to-service', (p: Record<string, unknown>) => ({ ...p, probesProblem: 'the probes Service could not be created: forbidden' }), 'the probes Service could not be created: forbidden'],
    [
      'session-affinity',
      (p: Record<string, unknown>) => ({ ...p, problem: `the affinity Service's endpoints never all appeared: ${why}` }),
      `the affinity Service's endpoints never all appeared: ${why}`,
    ],
    [
      'dns',
      (p: Record<string, unknown>) => ({ ...p, servicesProblem: `the dns suite's Service dns-probes's endpoints never all appeared: ${why}` }),
      `the dns suite's Service dns-probes's endpoints never all appeared: ${why}`,
    ],
    [
      'loadbalancer',
      (p: Record<string, unknown>) => ({ ...p, skip: undefined, target: '172.28.0.240', problem: `service/probes-lb (type LoadBalancer)'s endpoints never all appeared: ${why}` }),
      `service/probes-lb (type LoadBalancer)'s endpoints never all appeared: ${why}`,
    ],
    [
      'hairpin',
      (p: Record<string, unknown>) => ({ services: (p.services as { problem?: string }[]).map((s) => ({ ...s, problem: `the hairpin Service's endpoints never all appeared: ${why}` })) }),
      `the hairpin Service's endpoints never all appeared: ${why}`,
    ],
    [
      'nodeport',
      (p: Record<string, unknown>) => ({ ...p, error: `the NodePort Service nodeport-local's endpoints never all appeared: ${why}` }),
      `the NodePort Service nodeport-local's endpoints never all appeared: ${why}`,
    ],
    [
      'nodeport',
      (p: Record<string, unknown>) => ({ ...p, backend: { pod: 'nodeport-backend', node: 'lab-worker-1', ready: false, problem: 'ImagePullBackOff' } }),
      'the NodePort backend nodeport-backend on lab-worker-1 never became ready: ImagePullBackOff',
    ],
  ] as const)('%s: %s', async (suite, change, reason) => {
    const { healthy, broken } = await rowsWith(suite, change);
    expect(titles(broken)).toEqual(titles(healthy));
    const dependent = notRunWith(broken, reason);
    expect(dependent.length).toBeGreaterThan(0);
    // Nothing that depended on it is left a network row (pod-to-service's kubernetes rows and dns's
    // kubernetes and NXDOMAIN lookups do not depend on the run's Services: they stay).
    const stays = (r: Check) => r.kind === 'network' && (r.to.service === 'kubernetes' || ['kubernetes', 'nxdomain'].includes(r.properties?.['dns.what'] ?? ''));
    expect(broken.filter((r) => r.kind === 'network' && !stays(r)).map((r) => r.title)).toEqual([]);
    expect(broken.filter(stays).length).toBe(healthy.filter(stays).length);
  });

  test('pod-to-service: the kubernetes Service rows and the Service-CIDR fact still run', async () => {
    const { broken } = await rowsWith('pod-to-service', (p) => ({ ...p, probesProblem: 'the probes Service could not be created: forbidden' }));
    expect(broken.filter((r) => r.kind === 'network').every((r) => r.kind === 'network' && r.to.service === 'kubernetes')).toBe(true);
    expect(broken.some((r) => r.kind === 'network')).toBe(true);
    expect(broken.filter((r) => r.kind === 'static' && r.status === 'fact')).toHaveLength(1);
  });

  test("dns: only the lookups of the suite's own Services are not run; kubernetes and NXDOMAIN lookups still run", async () => {
    const { healthy, broken } = await rowsWith('dns', (p) => ({ ...p, servicesProblem: "the dns suite's Service dns-probes could not be created: quota" }));
    const what = (rows: Check[]) => new Set(rows.filter((r) => r.kind === 'network').map((r) => r.properties?.['dns.what']));
    expect(what(healthy)).toEqual(new Set(['kubernetes', 'short', 'fqdn', 'headless', 'nxdomain']));
    expect(what(broken)).toEqual(new Set(['kubernetes', 'nxdomain']));
  });

  test('dual-stack: the not-run rows keep their family, so --ip-family keeps them', async () => {
    const { broken } = await rowsWith('session-affinity', (p) => ({ ...p, problem: 'the affinity Service could not be created: forbidden' }), 'dual');
    const families = new Set(notRunWith(broken, 'the affinity Service could not be created: forbidden').map((r) => r.properties?.['ipFamily']));
    expect(families).toEqual(new Set(['ipv4', 'ipv6']));
  });
});

describe('pod-to-node: a host probe whose identity could not be read is never a target to fail against a placeholder', () => {
  const hostPod = (name: string | undefined, podIP: string | undefined): Pod => ({
    metadata: { ...(name ? { name } : {}), labels: { 'netconform.io/role': 'host' }, annotations: { 'netconform.io/node': 'lab-worker-2' } },
    spec: { nodeName: 'lab-worker-2', containers: [] },
    status: { ...(podIP ? { podIP } : {}), conditions: [{ type: 'Ready', status: 'True' }] },
  });

  test('probesFromPods says what is missing', () => {
    expect(probesFromPods([hostPod(undefined, '172.28.0.12')])[0]!.identityProblem).toMatch(/metadata\.name missing/);
    expect(probesFromPods([hostPod('hostnet-lab-worker-2', undefined)])[0]!.identityProblem).toMatch(/status\.podIP missing/);
    expect(probesFromPods([hostPod('hostnet-lab-worker-2', '172.28.0.12')])[0]!.identityProblem).toBeUndefined();
  });

  test.each([
    ['its name', { name: '?', identityProblem: "the identity of probe ? on lab-worker-2 could not be read (metadata.name missing from the API's answer)" }],
    ['its address', { ip: '' }],
  ])('%s unknown: the rows into that node are not run with the reason; the other nodes’ rows run', async (_what, change) => {
    const t = await familyTopology('ipv4');
    const healthy = rowsOf(module('pod-to-node'), t, {});
    const probes = t.probes.map((p) => (p.role === 'host' && p.node === 'lab-worker-2' ? { ...p, ...change } : p));
    const rows = rowsOf(module('pod-to-node'), { ...t, probes }, {});
    const into = (rs: Check[]) => rs.filter((r) => / → lab-worker-2\/host /.test(r.title));
    expect(into(rows).map((r) => r.title)).toEqual(into(healthy).map((r) => r.title));
    for (const r of into(rows)) expect(r).toMatchObject({ kind: 'static', status: 'not-run', node: 'lab-worker-2', reason: expect.stringMatching(/could not be read/) });
    expect(rows.filter((r) => r.kind === 'network' && r.to.node !== 'lab-worker-2').length).toBe(healthy.filter((r) => r.kind === 'network' && r.to.node !== 'lab-worker-2').length);
    expect(rows.some((r) => r.kind === 'network' && r.to.node === 'lab-worker-2')).toBe(false);
  });
});
