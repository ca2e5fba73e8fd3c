// The network-policy suite module: opt-in (off: no row, no API request, nothing deployed), its
// rows (one per case, titled by the case id, the same in `list` and in a run), the fleet it
// deploys, the flags, and a row's result from the canary's verdict.
import { describe, expect, test } from 'vitest';
import { parseCli } from '../../../helpers/cli/args.ts';
import { suiteFlags } from '../../../helpers/cli/run.ts';
import { CORE_CASES, generateCases } from '../../../helpers/netpol/cases.ts';
import { fleetNamespaces, fleetPodManifest, fleetPlacement } from '../../../helpers/netpol/fleet.ts';
import { caseRowResult } from '../../../helpers/netpol/row.ts';
import { openSession, type NetpolPlan } from '../../../helpers/netpol/session.ts';
import { NAMED_PORTS } from '../../../helpers/netpol/case-world.ts';
import type { Kube } from '../../../helpers/kube/index.ts';
import type { StaticCheck } from '../../../helpers/check/types.ts';
import suite, { RUN_BY_SUITE_FILE } from '../../../suites/network-policy.ts';
import { fixtureTopology, node } from '../topology-fixture.ts';
import { caseOptions, fakeCluster } from './fake-cluster.ts';
import { caseWorld } from '../../../helpers/netpol/case-world.ts';

const nodes = [node('lab-control-plane', 0), node('lab-worker-1', 1), node('lab-worker-2', 2)];
const dnsPod = {
  metadata: { name: 'coredns-1', namespace: 'kube-system' },
  spec: {
    nodeName: 'lab-worker-1',
    containers: [
      {
        name: 'coredns',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        ],
      },
    ],
  },
  status: { podIPs: [{ ip: '10.244.1.2' }] },
};

/** A kube stand-in: records calls; the fleet's pods come back ready with addresses. */
function fakeKube() {
  const calls: string[] = [];
  const pods: Record<string, unknown>[] = [];
  const kube = {
    calls,
    async listPods(namespace: string, selector?: string) {
      calls.push(`list pods ${namespace} ${selector ?? ''}`);
      if (namespace === 'kube-system') return [dnsPod];
      return pods.filter((p) => (p as { metadata: { namespace: string } }).metadata.namespace === namespace);
    },
    async createNamespace(body: { metadata: { name: string; labels: Record<string, string> } }) {
      calls.push(`create namespace ${body.metadata.name} ns=${body.metadata.labels.ns}`);
    },
    async createPod(namespace: string, body: { metadata: { name: string }; spec: Record<string, unknown> }) {
      calls.push(`create pod ${namespace}/${body.metadata.name}`);
      pods.push({
        ...body,
        metadata: { ...body.metadata, namespace },
        spec: { ...body.spec, nodeName: 'lab-worker-1' },
        status: { conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: `10.244.1.${pods.length + 10}` }] },
      });
    },
  };
  return kube;
}

const suiteOptions = (flags: Record<string, unknown>) => ({ runId: 'abc123', image: 'agnhost', readyTimeoutMs: 5_000, flags });

describe('opt-in', () => {
  test('off by default: prepare asks the API nothing, deploy and settle create nothing, no row', async () => {
    const kube = fakeKube();
    const ctx = { kube: kube as unknown as Kube, nodes, options: suiteOptions(suiteFlags(parseCli([]))) };
    const plan = await suite.prepare!(ctx);
    const deployed = await suite.deploy!({ ...ctx, deployment: { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] } }, plan);
    const releases: unknown[] = [];
    await suite.settle!(
      {
        ...ctx,
        deployment: { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] },
        topology: fixtureTopology(),
        onTeardown: (r) => releases.push(r),
      },
      deployed,
    );
    expect(kube.calls).toEqual([]);
    expect(releases).toEqual([]);
    expect(suite.checks(fixtureTopology(), plan, {})).toEqual([]);
  });

  test('the flags: core or full, --require-network-policy only with it', () => {
    expect(parseCli(['--network-policy', 'core'])).toMatchObject({ networkPolicy: 'core', requireNetworkPolicy: false });
    expect(parseCli(['--network-policy', 'full', '--require-network-policy'])).toMatchObject({ networkPolicy: 'full', requireNetworkPolicy: true });
    expect(parseCli([]).networkPolicy).toBeUndefined();
    expect(() => parseCli(['--network-policy', 'all'])).toThrow('--network-policy all: expected core or full.');
    expect(() => parseCli(['--require-network-policy'])).toThrow(/needs --network-policy/);
    expect(suiteFlags(parseCli(['--network-policy', 'full', '--require-network-policy']))).toMatchObject({ networkPolicy: 'full', requireNetworkPolicy: true });
  });
});

describe('rows', () => {
  test('core: one row per core case, titled by its id (the ip-block one for the pod range family), the same in list and in a run', async () => {
    const kube = fakeKube();
    const ctx = { kube: kube as unknown as Kube, nodes, options: suiteOptions({ networkPolicy: 'core' }) };
    const listed = await suite.prepare!(ctx);
    expect(listed.podCIDRs).toEqual(['10.244.0.0/22']);
    const titles = suite.checks(fixtureTopology(), listed, {}).map((r) => r.title);
    expect([...titles].sort()).toEqual(CORE_CASES.map((id) => id.replace(/^ip-block:(.*)$/, '$1/ipv4')).sort());
    // A run: deploy (the fleet) and settle (ready, addresses) change no title.
    const deployment = { runId: 'abc123', namespace: 'netconform-abc123', createdNamespace: true, createdPods: [], createdServices: [] };
    const deployed = await suite.deploy!({ ...ctx, deployment }, listed);
    const releases: unknown[] = [];
    const settled = await suite.settle!({ ...ctx, deployment, topology: fixtureTopology(), onTeardown: (r) => releases.push(r) }, deployed);
    expect(settled.problem).toBeUndefined();
    expect(settled.pods).toHaveLength(9);
    expect(releases).toHaveLength(1); // the fleet's namespaces go at teardown
    const rows = suite.checks(fixtureTopology(), settled, {});
    expect(rows.map((r) => r.title)).toEqual(titles);
    expect(rows[0]).toMatchObject({ kind: 'static', status: 'fact', reason: RUN_BY_SUITE_FILE, properties: { case: titles[0], family: 'default-deny' } });
    expect(kube.calls.filter((c) => c.startsWith('create namespace'))).toEqual([
      'create namespace netconform-abc123-x ns=x',
      'create namespace netconform-abc123-y ns=y',
      'create namespace netconform-abc123-z ns=z',
    ]);
    expect(kube.calls.filter((c) => c.startsWith('create pod'))).toHaveLength(9);
  });

  test('full: every generated case; a fleet that did not come up makes every row not-run with the reason', async () => {
    const kube = fakeKube();
    const plan = await suite.prepare!({ kube: kube as unknown as Kube, nodes, options: suiteOptions({ networkPolicy: 'full' }) });
    expect(plan.cases.length).toBeGreaterThanOrEqual(100);
    const broken = suite.checks(fixtureTopology(), { ...plan, problem: 'network-policy probes not ready: x/a: ImagePullBackOff' }, {});
    expect(broken.every((r) => r.kind === 'static' && r.status === 'not-run' && r.reason.includes('ImagePullBackOff'))).toBe(true);
  });
});

describe('the fleet', () => {
  test('namespaces after the run, nine pods spread over the nodes, named ports as the cases expect, the answer its x/a name', () => {
    expect(fleetNamespaces('netconform-abc123', 'abc123')).toEqual({ x: 'netconform-abc123-x', y: 'netconform-abc123-y', z: 'netconform-abc123-z' });
    expect(fleetNamespaces('n'.repeat(63), 'abc123').x).toBe('netconform-abc123-x');
    const placed = fleetPlacement(['n1', 'n2', 'n3']);
    expect(placed.map((p) => `${p.namespace}/${p.pod}@${p.node}`)).toEqual(['x/a@n1', 'x/b@n2', 'x/c@n3', 'y/a@n1', 'y/b@n2', 'y/c@n3', 'z/a@n1', 'z/b@n2', 'z/c@n3']);
    const namespaces = fleetNamespaces('netconform-abc123', 'abc123');
    const pod = fleetPodManifest({ namespaces, namespace: namespaces.y, name: 'b', labels: { pod: 'b' }, node: 'n2', runId: 'abc123', image: 'agnhost' });
    expect(pod.metadata?.labels).toMatchObject({ pod: 'b', 'netconform.io/run-id': 'abc123', 'app.kubernetes.io/managed-by': 'kube-netconform', 'app.kubernetes.io/component': 'netpol-probe' });
    const c = pod.spec!.containers[0]!;
    expect(Object.fromEntries((c.ports ?? []).map((p) => [p.name, { port: p.containerPort, protocol: p.protocol }]))).toEqual(NAMED_PORTS);
    expect(c.env?.find((e) => e.name === 'SERVE_UDP_PORT_81')?.value?.trimEnd()).toBe('y/b');
    expect(pod.spec?.securityContext?.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
  });
});

describe("a row's result", () => {
  const options = caseOptions();
  const plan = { require: false, namespaces: options.namespaces } as Pick<NetpolPlan, 'require' | 'namespaces'>;
  const id = generateCases(options)[0]!.id;
  const row: StaticCheck = { kind: 'static', suite: 'network-policy', title: id, status: 'fact', holds: false, reason: RUN_BY_SUITE_FILE, properties: { case: id } };
  const session = (enforce: 'all' | 'none') => {
    const cluster = fakeCluster(caseWorld(options), { enforce });
    const s = openSession(
      {
        mode: 'full',
        namespaces: options.namespaces,
        pods: Object.entries(options.pods!).map(([key, p]) => ({ namespace: options.namespaces[key[0] as 'x'], name: key.slice(2), node: p!.node, ips: p!.ips, ready: true })),
        podCIDRs: [],
        cases: [],
        addedPodNode: 'n',
        created: [],
        require: false,
        runId: 'r',
        image: 'i',
      },
      { api: cluster.api, prober: cluster.prober, enforceTimeoutMs: 1_000 },
    );
    return s;
  };

  test('no enforcer: skipped with the canary reason (the run passes); with --require-network-policy: failed', async () => {
    // The canary waits its bound (30 s in a run): here the fleet's base world has no pods with addresses, so it cannot judge.
    const skipped = await caseRowResult(row, plan, async () => ({ ...session('none'), canary: async () => ({ enforced: false, detail: 'NetworkPolicy is not enforced on this cluster: …' }) }));
    expect(skipped).toMatchObject({ outcome: 'skipped', status: 'skipped', reason: 'NetworkPolicy is not enforced on this cluster: …' });
    const failed = await caseRowResult(row, { ...plan, require: true }, async () => ({ ...session('none'), canary: async () => ({ enforced: false, detail: 'not enforced' }) }));
    expect(failed).toMatchObject({ outcome: 'failed', detail: 'not enforced (--require-network-policy)' });
  });

  test('an enforcing cluster: the case runs, and its row carries the canary too', async () => {
    const s = session('all');
    const result = await caseRowResult(row, plan, async () => s);
    expect(result.outcome, result.detail).toBe('passed');
    expect(result.properties).toMatchObject({
      case: id,
      canary: expect.stringMatching(/^a default-deny ingress policy on x\/a stopped x\/b → x\/a 80\/TCP after /),
      'canary.ms': expect.stringMatching(/^\d+$/),
    });
  });

  test('a not-run row stays not-run, without running the canary', async () => {
    const result = await caseRowResult({ ...row, status: 'not-run', reason: 'fleet broken' }, plan, async () => {
      throw new Error('not opened');
    });
    expect(result).toMatchObject({ outcome: 'error', reason: 'fleet broken' });
  });
});

describe('what the cases read from the cluster', () => {
  test("the pods' range per family: the smallest CIDR holding every node's pod CIDR, in canonical form", async () => {
    const { podRanges, supernet } = await import('../../../helpers/netpol/cluster.ts');
    expect(supernet(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'])).toBe('10.244.0.0/22');
    expect(supernet(['10.244.5.0/24'])).toBe('10.244.5.0/24');
    expect(supernet(['fd00:10:244::/64', 'fd00:10:244:1::/64', 'fd00:10:244:2::/64'])).toBe('fd00:10:244::/62');
    expect(supernet(['10.0.0.0/24', 'fd00::/64'])).toBeUndefined();
    expect(
      podRanges([node('a', 0, { podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] }), node('b', 1, { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] }), node('c', 2, { skipReason: 'NotReady' })]),
    ).toEqual(['10.244.0.0/23', 'fd00:10:244::/63']);
    expect(podRanges([node('a', 0, { podCIDRs: [] })])).toEqual([]);
  });
});
