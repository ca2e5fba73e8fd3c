import { describe, expect, test } from 'vitest';
import { checks, podToPodRows, podToServiceRows, statics, type CheckRow } from './suite-rows.ts';
import { fixtureTopology, node } from './topology-fixture.ts';
const pairKey = (r: CheckRow) => `${r.from.pod}>${r.to.pod}`;

describe('pod-to-pod rows', () => {
  test('full mesh: every pod to every other pod, both directions, four variants, plus host → one pod per node', () => {
    const rows = checks(podToPodRows(fixtureTopology()));
    const podRows = rows.filter((r) => r.from.kind === 'pod');
    // 6 pods → 30 ordered pairs × (tcp, udp, tcp full, udp full)
    expect(podRows).toHaveLength(30 * 4);
    expect(new Set(podRows.map(pairKey)).size).toBe(30);
    expect(podRows.some((r) => r.from.pod === 'probe-a-lab-worker-1' && r.to.pod === 'probe-a-lab-worker-2')).toBe(true);
    expect(podRows.some((r) => r.from.pod === 'probe-a-lab-worker-2' && r.to.pod === 'probe-a-lab-worker-1')).toBe(true);
    // same-node pairs exist, a pod never dials itself
    expect(podRows.some((r) => r.from.node === r.to.node)).toBe(true);
    expect(podRows.every((r) => r.from.pod !== r.to.pod)).toBe(true);
    const hostRows = rows.filter((r) => r.from.kind === 'host');
    expect(hostRows).toHaveLength(3 * 3 * 4);
    expect(new Set(hostRows.map((r) => `${r.from.node}>${r.to.node}`)).size).toBe(9);
  });

  test('rows are titled source → destination port/proto (no address only a deployment knows), and the answer must name the target pod', () => {
    const rows = checks(podToPodRows(fixtureTopology()));
    const row = rows.find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/probe-b 8080/tcp');
    expect(row).toBeDefined();
    expect(row!.answer).toEqual({ kind: 'hostname', expected: ['probe-b-lab-worker-2'] });
    expect(row!.control).toEqual({ pod: 'probe-a-lab-worker-1' });
    const udp = rows.find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/probe-b 8081/udp');
    expect(udp?.target).toEqual({ host: '10.244.2.3', port: 8081, protocol: 'udp' });
  });

  test('full-size variants echo more than one MTU', () => {
    const full = checks(podToPodRows(fixtureTopology())).filter((r) => r.payload === 'full');
    expect(full.length).toBeGreaterThan(0);
    for (const r of full) {
      expect(r.answer.kind).toBe('echo');
      if (r.answer.kind === 'echo') expect(r.answer.bytes).toBeGreaterThan(1500);
    }
    expect(full.find((r) => r.target.protocol === 'tcp')?.title).toMatch(/ 8082\/tcp 20KiB$/);
    expect(full.find((r) => r.target.protocol === 'udp')?.title).toMatch(/ 8083\/udp 1900B$/);
  });

  test("host probes' rows are made in the host probe itself", () => {
    const host = checks(podToPodRows(fixtureTopology())).find((r) => r.from.kind === 'host');
    expect(host?.control.pod).toBe('hostnet-lab-control-plane');
    expect(host?.title).toMatch(/^lab-control-plane\/host → /);
  });

  test('--short: one pair per ordered node pair (same-node included), host rows unchanged', () => {
    const rows = checks(podToPodRows(fixtureTopology(), { short: true }));
    const podRows = rows.filter((r) => r.from.kind === 'pod');
    expect(podRows).toHaveLength(9 * 4);
    expect(new Set(podRows.map((r) => `${r.from.node}>${r.to.node}`)).size).toBe(9);
    expect(podRows.every((r) => r.from.pod !== r.to.pod)).toBe(true);
    expect(rows.filter((r) => r.from.kind === 'host')).toHaveLength(36);
  });

  test('--pods-per-node 10 on 3 nodes: 30 pods, 870 ordered pod pairs (the scale run), --short unchanged', () => {
    const topology = fixtureTopology({ podsPerNode: 10 });
    const podRows = checks(podToPodRows(topology)).filter((r) => r.from.kind === 'pod');
    expect(new Set(podRows.map(pairKey)).size).toBe(30 * 29);
    expect(podRows).toHaveLength(30 * 29 * 4);
    expect(podRows.some((r) => r.from.pod === 'probe-j-lab-worker-2' && r.to.pod === 'probe-a-lab-control-plane')).toBe(true);
    const short = checks(podToPodRows(topology, { short: true })).filter((r) => r.from.kind === 'pod');
    expect(short).toHaveLength(9 * 4);
    // Service rows: every pod probe is a backend and a source.
    const svc = checks(podToServiceRows(topology)).filter((r) => r.properties?.service === 'probes' && r.payload === 'small' && r.target.protocol === 'tcp');
    expect(svc).toHaveLength(30 + 3);
    expect(svc[0]!.answer).toMatchObject({ kind: 'hostname', minDistinct: 2 });
    if (svc[0]!.answer.kind === 'hostname') expect(svc[0]!.answer.expected).toHaveLength(30);
  });

  test('--only / --skip are regexes on "<suite> <title>"', () => {
    const only = podToPodRows(fixtureTopology(), { only: ['lab-worker-1/probe-a → lab-worker-2'] });
    expect(only).toHaveLength(2 * 4);
    expect(podToPodRows(fixtureTopology(), { only: ['^pod-to-service'] })).toHaveLength(0);
    const noUdp = podToPodRows(fixtureTopology(), { skip: ['/udp'] });
    expect(noUdp.every((r) => !r.title.includes('/udp'))).toBe(true);
    expect(noUdp).toHaveLength((30 + 9) * 2);
  });

  test('a probe that never became ready gives a setup row with the reason and no check rows', () => {
    const rows = podToPodRows(fixtureTopology({ notReady: ['probe-b-lab-worker-2'] }));
    const setup = statics(rows, 'not-run');
    expect(setup).toHaveLength(1);
    expect(setup[0]).toMatchObject({ node: 'lab-worker-2', title: 'setup lab-worker-2/probe-b' });
    expect(setup[0]!.reason).toMatch(/ImagePullBackOff/);
    expect(checks(rows).some((r) => r.from.pod === 'probe-b-lab-worker-2' || r.to.pod === 'probe-b-lab-worker-2')).toBe(false);
    expect(checks(rows).filter((r) => r.from.kind === 'pod')).toHaveLength(20 * 4);
  });

  test('a cordoned node is a skipped row with the reason, and gets no probes', () => {
    const nodes = [node('lab-control-plane', 0), node('lab-worker-1', 1), node('lab-worker-2', 2, { skipReason: 'cordoned (spec.unschedulable=true)' })];
    const rows = podToPodRows(fixtureTopology({ nodes }));
    expect(statics(rows, 'skipped').map((r) => r.reason)).toEqual(['node lab-worker-2 is cordoned (spec.unschedulable=true)']);
    expect(checks(rows).some((r) => r.from.node === 'lab-worker-2' || r.to.node === 'lab-worker-2')).toBe(false);
  });
});

describe('pod-to-service rows', () => {
  test('from every pod and every host: TCP and UDP, small and full, answers from the real backends, >1 backend', () => {
    const rows = checks(podToServiceRows(fixtureTopology())).filter((r) => r.properties?.service === 'probes');
    expect(rows).toHaveLength(9 * 4);
    const small = rows.find((r) => r.title === 'lab-worker-2/host → service/probes 80/udp');
    expect(small?.answer).toMatchObject({ kind: 'hostname', minDistinct: 2 });
    expect(small?.answer.kind === 'hostname' && small.answer.expected).toHaveLength(6);
    expect(small?.answer.kind === 'hostname' && small.answer.expected).not.toContain('hostnet-lab-worker-2');
    expect(small!.tries).toBeGreaterThan(1);
    expect(small!.to).toMatchObject({ kind: 'service', ip: '10.96.100.7', node: '' });
  });

  test('every pod reaches the kubernetes VIP on 443 (TCP connect is enough); hosts are not asked', () => {
    const rows = checks(podToServiceRows(fixtureTopology())).filter((r) => r.properties?.service === 'kubernetes');
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.target.host === '10.96.0.1' && r.target.port === 443 && r.answer.kind === 'connect')).toBe(true);
  });

  test('the Service CIDR check is one row; unknown CIDRs make it a skip with the reason', () => {
    expect(statics(podToServiceRows(fixtureTopology()), 'fact')).toEqual([expect.objectContaining({ holds: true, title: 'Service CIDR overlaps no node address or pod CIDR (10.96.0.0/12)' })]);
    const base = fixtureTopology();
    const plan = { ...(base.plans['pod-to-service'] as object), serviceCIDRs: undefined, serviceCIDRsUnknownReason: 'no ServiceCIDR API' };
    const skip = statics(podToServiceRows({ ...base, plans: { 'pod-to-service': plan } }), 'skipped');
    expect(skip.map((r) => r.reason)).toEqual(['no ServiceCIDR API']);
  });

  test('--short: one pod and the host per node', () => {
    const rows = checks(podToServiceRows(fixtureTopology(), { short: true }));
    expect(rows.filter((r) => r.properties?.service === 'probes')).toHaveLength(6 * 4);
    expect(rows.filter((r) => r.properties?.service === 'kubernetes')).toHaveLength(3);
  });
});
