import { describe, expect, test } from 'vitest';
import { factsOf, podNodesOf } from '../../../helpers/diagnose/facts.ts';
import { viewOf } from '../../../helpers/diagnose/index.ts';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import { nodePort, podToPod, podToService, ports, row } from '../fixtures/results.ts';

const cni: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' }];

describe('facts: the typed view diagnosis rules read', () => {
  test('direction of each path', () => {
    const [same, cross] = [podToPod().find((r) => r.from.node === r.to.node)!, podToPod().find((r) => r.from.node !== r.to.node)!];
    expect(factsOf(same).direction).toBe('same-node');
    expect(factsOf(cross).direction).toBe('node-to-node');
    expect(factsOf(podToService()[0]!).direction).toBe('to-service');
    expect(factsOf(nodePort()[0]!).direction).toBe('from-runner');
    expect(factsOf(ports()[0]!).direction).toBe('node-to-node');
  });

  test("NodePort range membership comes from the cluster's range, and is unknown without it", () => {
    const r = ports({ portList: [30000] })[0]!;
    expect(factsOf(r).inNodePortRange).toBeUndefined();
    expect(factsOf(r, { nodePortRange: { low: 30000, high: 32767 } }).inNodePortRange).toBe(true);
    // A cluster with --service-node-port-range=20000-22767: 30000 is an ordinary port there.
    expect(factsOf(r, { nodePortRange: { low: 20000, high: 22767 } }).inNodePortRange).toBe(false);
  });

  test("ports rows: the rule's expectation and whether the port is a detected CNI's; the profile's reason only as a quote", () => {
    const vxlan = row({
      suite: 'ports',
      port: 8472,
      protocol: 'udp',
      from: { kind: 'host' },
      to: { kind: 'host' },
      properties: { why: 'CNI node-to-node traffic: flannel VXLAN', 'expect.port': 'open' },
    });
    expect(factsOf(vxlan, { cni }).portRule).toEqual({ expect: 'open', cniPort: true });
    expect(factsOf(vxlan, { cni }).quote.why).toBe('CNI node-to-node traffic: flannel VXLAN');
    const closed = row({ suite: 'ports', port: 10255, expect: 'CLOSED', from: { kind: 'host' }, to: { kind: 'host' }, properties: { 'expect.port': 'closed' } });
    expect(factsOf(closed, { cni }).portRule).toEqual({ expect: 'closed', cniPort: false });
    expect(factsOf(closed).expectsAnswer).toBe(false);
  });

  test("Services, the API server's Service, NodePort policy, family, what was seen", () => {
    const api = row({ suite: 'pod-to-service', to: { node: '', ip: '10.96.0.1', kind: 'service' }, port: 443, properties: { service: 'kubernetes' } });
    expect(factsOf(api)).toMatchObject({ service: 'kubernetes', apiServer: true, family: 'ipv4' });
    expect(factsOf(podToService()[0]!)).toMatchObject({ service: 'probes', apiServer: false });
    const local = row({
      suite: 'nodeport',
      from: { node: '', ip: '192.168.1.50', kind: 'runner' },
      to: { kind: 'nodeport' },
      observed: 'WRONG_ANSWER',
      outcome: 'failed',
      properties: { externalTrafficPolicy: 'Local' },
    });
    expect(factsOf(local)).toMatchObject({ nodePortPolicy: 'Local', seen: 'wrong-answer', outcome: 'failed' });
  });
});

describe('facts: name lookups and answering backends', () => {
  const dns = (properties: Record<string, string>) => row({ suite: 'dns', to: { node: '', ip: '10.96.5.5', kind: 'service' }, properties });

  test("a dns row's lookup: what it asked, over which transport, of which server, how it ended", () => {
    const f = factsOf(
      dns({ 'dns.what': 'fqdn', 'dns.name': 'probes.ns.svc.cluster.local', 'dns.transport': 'tcp', 'dns.server': '10.96.0.10', 'dns.server.endpoints': '0', 'dns.result': 'SERVFAIL' }),
    );
    expect(f.lookup).toEqual({ what: 'fqdn', name: 'probes.ns.svc.cluster.local', transport: 'tcp', server: '10.96.0.10', serverEndpoints: 0, result: 'SERVFAIL', serverAnswered: true });
  });

  test('the DNS server answered (NOERROR, NXDOMAIN, SERVFAIL) or not (TIMEOUT, REFUSED, UNREACHABLE, OTHER); no result, no verdict on it', () => {
    const answered = (result: string) => factsOf(dns({ 'dns.result': result })).lookup?.serverAnswered;
    expect(['NOERROR', 'NXDOMAIN', 'SERVFAIL'].map(answered)).toEqual([true, true, true]);
    expect(['TIMEOUT', 'REFUSED', 'UNREACHABLE', 'OTHER'].map(answered)).toEqual([false, false, false, false]);
    // An end this view does not know is some other failure of the lookup, never an answer.
    expect(factsOf(dns({ 'dns.result': 'BADCOOKIE' })).lookup).toMatchObject({ result: 'OTHER', serverAnswered: false });
    expect(factsOf(dns({ 'dns.what': 'fqdn' })).lookup).toEqual({ what: 'fqdn', transport: 'udp' });
  });

  test('unknown kinds of name and unreadable endpoint counts are left out, not guessed', () => {
    expect(factsOf(dns({ 'dns.what': 'srv', 'dns.server.endpoints': 'many' })).lookup).toEqual({ transport: 'udp' });
  });

  test('rows without a lookup have none', () => {
    expect(factsOf(podToPod()[0]!).lookup).toBeUndefined();
    expect(factsOf(podToService()[0]!).lookup).toBeUndefined();
  });

  test('the backends that answered, one per answered try; none when nothing answered', () => {
    expect(factsOf(row({ suite: 'session-affinity', properties: { 'answered.by': 'probe-a-cp-1,probe-b-worker-1,probe-a-cp-1' } })).answeredBy).toEqual([
      'probe-a-cp-1',
      'probe-b-worker-1',
      'probe-a-cp-1',
    ]);
    expect(factsOf(row({ suite: 'session-affinity', properties: { 'answered.by': '' } })).answeredBy).toBeUndefined();
    expect(factsOf(row({ suite: 'session-affinity' })).answeredBy).toBeUndefined();
  });
});

describe('facts: source, Service origin, answering backends placed on nodes (issue 22)', () => {
  const pods = podToPod();

  test("the source: a pod, a node's host network, or the runner", () => {
    expect(factsOf(row({ from: { kind: 'pod' } })).source).toBe('pod');
    expect(factsOf(row({ from: { kind: 'host', node: 'worker-1' } })).source).toBe('host');
    expect(factsOf(nodePort()[0]!).source).toBe('runner');
  });

  test('a Service made by the run, or one that existed before it (kubernetes, cluster DNS); none for pod rows', () => {
    expect(factsOf(podToService()[0]!).serviceOrigin).toBe('run');
    expect(factsOf(row({ suite: 'pod-to-service', to: { node: '', ip: '10.96.0.1', kind: 'service' }, port: 443, properties: { service: 'kubernetes' } })).serviceOrigin).toBe('cluster');
    expect(factsOf(row({ suite: 'dns', to: { node: '', ip: '10.96.0.10', kind: 'service' }, properties: { 'dns.what': 'short' } })).serviceOrigin).toBe('cluster');
    expect(factsOf(nodePort()[0]!).serviceOrigin).toBe('run');
    expect(factsOf(pods[0]!).serviceOrigin).toBeUndefined();
  });

  test("each answering backend is placed on its node, relative to the caller's; unknown names leave backends out", () => {
    const svc = row({
      suite: 'pod-to-service',
      from: { node: 'worker-1', pod: 'probe-a', kind: 'pod' },
      to: { node: '', ip: '10.96.0.50', kind: 'service' },
      properties: { service: 'probes', 'answered.by': 'probe-b,probe-a', tries: '6' },
    });
    // The fixture's pod names repeat per node; a real run's are unique (probe-a-<node>).
    const unique = new Map([
      ['probe-a-worker-1', 'worker-1'],
      ['probe-a-worker-2', 'worker-2'],
    ]);
    const placed = factsOf({ ...svc, properties: { ...svc.properties, 'answered.by': 'probe-a-worker-2,probe-a-worker-1' } }, { podNodes: unique });
    expect(placed.backends).toEqual([
      { name: 'probe-a-worker-2', node: 'worker-2', sameNode: false },
      { name: 'probe-a-worker-1', node: 'worker-1', sameNode: true },
    ]);
    expect(placed.tries).toBe(6);
    expect(factsOf({ ...svc, properties: { ...svc.properties, 'answered.by': 'someone-else' } }, { podNodes: unique }).backends).toBeUndefined();
    // Echo answers of full-size rows are not names.
    expect(factsOf({ ...svc, properties: { ...svc.properties, 'answered.by': 'probe-a-worker-1', 'payload.bytes': '9000' } }, { podNodes: unique }).backends).toBeUndefined();
  });

  test('viewOf places backends from the ends of every row of the run', () => {
    expect(podNodesOf([row({ from: { node: 'cp-1', pod: 'probe-a-cp-1', kind: 'pod' } })]).get('probe-a-cp-1')).toBe('cp-1');
    const runPods = [
      row({ from: { node: 'worker-1', pod: 'probe-a-worker-1', kind: 'pod' }, to: { node: 'worker-2', pod: 'probe-a-worker-2', kind: 'pod' } }),
      row({
        suite: 'pod-to-service',
        from: { node: 'worker-1', pod: 'probe-a-worker-1', kind: 'pod' },
        to: { node: '', ip: '10.96.0.50', kind: 'service' },
        properties: { service: 'probes', 'answered.by': 'probe-a-worker-2' },
      }),
    ];
    const view = viewOf({ all: runPods });
    expect(view.all[1]!.backends).toEqual([{ name: 'probe-a-worker-2', node: 'worker-2', sameNode: false }]);
  });
});
