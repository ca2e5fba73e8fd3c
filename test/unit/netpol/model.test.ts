// The NetworkPolicy model against the spec's documented edge cases. Each title states the spec
// sentence (kubernetes.io network-policies concept page or the v1 API reference) the test holds.
import { describe, expect, test } from 'vitest';
import { effectivePolicyTypes, evaluate, type Connection, type ModelOptions } from '../../../helpers/netpol/model.ts';
import type { Endpoint, NetworkPolicy, PolicyProtocol, World } from '../../../helpers/netpol/types.ts';
import { netpol, pod, world } from './fixtures.ts';

const denyIngress = (key: string, podSelector = {}) => netpol(key, { podSelector, policyTypes: ['Ingress'] });
const denyEgress = (key: string, podSelector = {}) => netpol(key, { podSelector, policyTypes: ['Egress'] });

/** allowed? from → to on port/protocol (TCP 80 unless said). */
function allowed(w: World, from: string | Endpoint, to: string | Endpoint, opts: { port?: number; protocol?: PolicyProtocol; family?: Connection['family']; model?: ModelOptions } = {}): boolean {
  const end = (e: string | Endpoint): Endpoint => (typeof e === 'string' ? { pod: e } : e);
  return evaluate(w, { from: end(from), to: end(to), port: opts.port ?? 80, protocol: opts.protocol ?? 'TCP', ...(opts.family ? { family: opts.family } : {}) }, opts.model).allowed;
}

const only = (w: World, dest: string) => ['x/a', 'x/b', 'y/a', 'y/b'].filter((from) => from !== dest && allowed(w, from, dest));

describe('isolation', () => {
  test('"By default, a pod is non-isolated": with no policy everything is allowed, and the reason says so', () => {
    const v = evaluate(world(), { from: { pod: 'x/a' }, to: { pod: 'y/b' }, port: 80, protocol: 'TCP' });
    expect(v.allowed).toBe(true);
    expect(v.ingress.isolatedBy).toEqual([]);
    expect(v.ingress.reason).toContain('y/b is not isolated for ingress');
  });

  test('"a pod is isolated for ingress if there is any NetworkPolicy that both selects the pod and has Ingress in its policyTypes": no rules = nothing allowed', () => {
    const w = world([denyIngress('x/deny')]);
    expect(allowed(w, 'y/a', 'x/a')).toBe(false);
    expect(allowed(w, 'x/b', 'x/a')).toBe(false);
    expect(allowed(w, 'x/a', 'y/a')).toBe(true); // egress of x/a and ingress of y/a untouched
  });

  test('isolation is per direction: an egress-only policy leaves the pod non-isolated for ingress', () => {
    const w = world([denyEgress('x/deny-out', { matchLabels: { pod: 'a' } })]);
    expect(allowed(w, 'x/a', 'y/a')).toBe(false);
    expect(allowed(w, 'y/a', 'x/a')).toBe(true);
    const v = evaluate(w, { from: { pod: 'y/a' }, to: { pod: 'x/a' }, port: 80, protocol: 'TCP' });
    expect(v.ingress.reason).toContain('x/a is not isolated for ingress');
  });

  test('"both the egress policy on the source pod and the ingress policy on the destination pod need to allow the connection"', () => {
    const w = world([denyEgress('x/deny-out'), netpol('y/allow-from-x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }] }] })]);
    const v = evaluate(w, { from: { pod: 'x/a' }, to: { pod: 'y/a' }, port: 80, protocol: 'TCP' });
    expect(v).toMatchObject({ allowed: false, ingress: { allowed: true }, egress: { allowed: false, isolatedBy: ['x/deny-out'] } });
    expect(v.reason).toBe('denied: egress from x/a to y/a 80/TCP: isolated by policies x/deny-out; no rule allows');
  });

  test('"a pod cannot block access to itself": self traffic allowed under a deny both ways (an option, on by default)', () => {
    const w = world([netpol('x/deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    expect(allowed(w, 'x/a', 'x/a')).toBe(true);
    expect(evaluate(w, { from: { pod: 'x/a' }, to: { pod: 'x/a' }, port: 80, protocol: 'TCP' }).ingress.reason).toContain("a pod's traffic to itself is always allowed");
    expect(allowed(w, 'x/a', 'x/a', { model: { selfAlwaysAllowed: false } })).toBe(false);
  });

  test('"policies in one namespace do not select pods in another": a podSelector {} policy in x leaves y alone', () => {
    const w = world([denyIngress('x/deny')]);
    expect(allowed(w, 'x/a', 'y/a')).toBe(true);
    expect(allowed(w, 'y/b', 'y/a')).toBe(true);
    expect(allowed(w, 'y/a', 'x/b')).toBe(false);
  });
});

describe('policyTypes', () => {
  test('"If this field is not specified, it will default based on the existence of ingress or egress rules": Ingress always, Egress only with egress rules', () => {
    expect(effectivePolicyTypes(netpol('x/p', { podSelector: {} }))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(netpol('x/p', { podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    expect(effectivePolicyTypes(netpol('x/p', { podSelector: {}, egress: [] }))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(netpol('x/p', { podSelector: {}, policyTypes: [] }))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(netpol('x/p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] }))).toEqual(['Egress']);
  });

  test('a policy without policyTypes but with egress rules isolates both ways; one with no egress rules leaves egress open', () => {
    const withEgress = world([netpol('x/p', { podSelector: { matchLabels: { pod: 'a' } }, egress: [{ to: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })]);
    expect(allowed(withEgress, 'x/a', 'x/b')).toBe(true);
    expect(allowed(withEgress, 'x/a', 'y/a')).toBe(false);
    expect(allowed(withEgress, 'x/b', 'x/a')).toBe(false); // Ingress defaulted in, no ingress rules
    const withoutEgress = world([netpol('x/p', { podSelector: { matchLabels: { pod: 'a' } }, egress: [] })]);
    expect(allowed(withoutEgress, 'x/a', 'y/a')).toBe(true);
  });

  test('explicit policyTypes [Ingress] ignores the egress rules the policy carries', () => {
    const w = world([netpol('x/p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [{ to: [{ podSelector: {} }] }] })]);
    expect(allowed(w, 'x/a', 'y/a')).toBe(true);
    expect(evaluate(w, { from: { pod: 'x/a' }, to: { pod: 'y/a' }, port: 80, protocol: 'TCP' }).egress.isolatedBy).toEqual([]);
  });

  test('explicit policyTypes [Egress] ignores ingress rules, so ingress stays open', () => {
    const w = world([netpol('x/p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'nobody' } } }] }] })]);
    expect(allowed(w, 'y/a', 'x/a')).toBe(true);
    expect(allowed(w, 'x/a', 'y/a')).toBe(false);
  });
});

describe('rules and peers', () => {
  test('"An empty podSelector selects all pods in the namespace" (the policy subject)', () => {
    const w = world([denyIngress('x/deny')]);
    expect(allowed(w, 'y/a', 'x/a')).toBe(false);
    expect(allowed(w, 'y/a', 'x/b')).toBe(false);
  });

  test('"If this field is empty or missing, this rule matches all sources": from missing, from: [] and the rule {} allow everyone, external IPs too', () => {
    for (const rule of [{}, { from: [] }, { ports: [] }]) {
      const w = world([netpol('x/allow', { podSelector: {}, ingress: [rule] })]);
      expect(only(w, 'x/a')).toEqual(['x/b', 'y/a', 'y/b']);
      expect(allowed(w, { ip: '192.0.2.9' }, 'x/a')).toBe(true);
    }
    const egress = world([netpol('x/out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [] }] })]);
    expect(allowed(egress, 'x/a', { ip: '192.0.2.9' })).toBe(true);
  });

  test('ingress: [] (no rules) with Ingress in policyTypes allows nothing', () => {
    const w = world([netpol('x/none', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] })]);
    expect(only(w, 'x/a')).toEqual([]);
  });

  test('a podSelector peer alone "selects particular Pods in the same namespace as the NetworkPolicy"', () => {
    const w = world([netpol('x/from-b', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })]);
    expect(only(w, 'x/a')).toEqual(['x/b']);
    const all = world([netpol('x/from-own', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: {} }] }] })]);
    expect(only(all, 'x/a')).toEqual(['x/b']);
  });

  test('namespaceSelector {} selects all namespaces, and only pods (not external IPs)', () => {
    const w = world([netpol('x/all-ns', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] })]);
    expect(only(w, 'x/a')).toEqual(['x/b', 'y/a', 'y/b']);
    expect(allowed(w, { ip: '192.0.2.9' }, 'x/a')).toBe(false);
  });

  test('"podSelector and namespaceSelector in one peer select particular Pods within particular namespaces" (AND); as two peers they are OR', () => {
    const and = world([
      netpol('x/and', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] }),
    ]);
    expect(only(and, 'x/a')).toEqual(['y/b']);
    const or = world([
      netpol('x/or', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }, { podSelector: { matchLabels: { pod: 'b' } } }] }] }),
    ]);
    expect(only(or, 'x/a')).toEqual(['x/b', 'y/a', 'y/b']);
  });

  test('matchExpressions In, NotIn (also matching a missing key), Exists and DoesNotExist', () => {
    const from = (podSelector: object) => world([netpol('x/p', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector }] }] })]);
    expect(only(from({ matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] }), 'x/a')).toEqual(['x/b', 'y/b']);
    expect(only(from({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }), 'x/a')).toEqual(['x/b', 'y/a']);
    expect(only(from({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }), 'x/a')).toEqual(['y/b']);
    expect(only(from({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }), 'x/a')).toEqual(['x/b', 'y/a']);
    const nsExpr = world([netpol('x/p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } }] }] })]);
    expect(only(nsExpr, 'x/a')).toEqual(['y/a', 'y/b']);
  });

  test('"Policies are additive": several policies selecting one pod allow the union, and the verdict names each', () => {
    const w = world([
      netpol('x/from-b', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }),
      netpol('x/from-y', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] }),
      denyIngress('x/deny'),
    ]);
    expect(only(w, 'x/a')).toEqual(['x/b', 'y/a', 'y/b']);
    expect(only(w, 'x/b')).toEqual(['y/a', 'y/b']);
    const v = evaluate(w, { from: { pod: 'y/a' }, to: { pod: 'x/a' }, port: 80, protocol: 'TCP' });
    expect(v.ingress.isolatedBy).toEqual(['x/from-b', 'x/from-y', 'x/deny']);
    expect(v.ingress.allowedBy.map((r) => r.text)).toEqual(['x/from-y ingress[0] (from[0] all pods in namespaces ns=y; all ports)']);
    const denied = evaluate(w, { from: { pod: 'x/a' }, to: { pod: 'x/b' }, port: 80, protocol: 'TCP' });
    expect(denied.ingress.reason).toBe('ingress to x/b from x/a 80/TCP: isolated by policies x/from-y, x/deny; no rule allows');
  });
});

describe('ipBlock', () => {
  const from = (ipBlock: { cidr: string; except?: string[] }) => world([netpol('x/ip', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ipBlock }] }] })]);

  test('"except entries describe CIDRs that should not be included within this rule" (IPv4), for external addresses', () => {
    const w = from({ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] });
    expect(allowed(w, { ip: '192.0.2.1' }, 'x/a')).toBe(true);
    expect(allowed(w, { ip: '192.0.2.200' }, 'x/a')).toBe(false);
    expect(allowed(w, { ip: '198.51.100.1' }, 'x/a')).toBe(false);
  });

  test('IPv6 CIDRs and except; a block of one family never matches a connection of the other', () => {
    const w = from({ cidr: '2001:db8::/32', except: ['2001:db8:ff::/48'] });
    expect(allowed(w, { ip: '2001:db8:1::5' }, 'x/a')).toBe(true);
    expect(allowed(w, { ip: '2001:db8:ff::5' }, 'x/a')).toBe(false);
    const v4 = from({ cidr: '10.0.0.0/8' });
    expect(allowed(v4, 'y/a', 'x/a', { family: 'ipv4' })).toBe(true);
    expect(allowed(v4, 'y/a', 'x/a', { family: 'ipv6' })).toBe(false);
  });

  test('whether ipBlock matches pod IPs is implementation-defined: on by default (pod CIDR except one pod), off by option', () => {
    const w = from({ cidr: '10.0.0.0/16', except: ['10.0.2.2/32'] });
    expect(only(w, 'x/a')).toEqual(['x/b', 'y/a']);
    expect(allowed(w, 'y/a', 'x/a', { model: { ipBlockMatchesPods: false } })).toBe(false);
    expect(allowed(w, { ip: '10.0.9.9' }, 'x/a', { model: { ipBlockMatchesPods: false } })).toBe(true);
    const v6 = from({ cidr: 'fd00::/16', except: ['fd00:2::2/128'] });
    expect(['x/b', 'y/a', 'y/b'].filter((f) => allowed(v6, f, 'x/a', { family: 'ipv6' }))).toEqual(['x/b', 'y/a']);
  });

  test('egress to an ipBlock: pods by address (except honoured) and external addresses', () => {
    const w = world([netpol('x/out', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.2.0/24', except: ['10.0.2.2/32'] } }] }] })]);
    expect(allowed(w, 'x/a', 'y/a')).toBe(true);
    expect(allowed(w, 'x/a', 'y/b')).toBe(false);
    expect(allowed(w, 'x/a', { ip: '10.0.2.77' })).toBe(true);
  });

  test("nodes and hostNetwork pods are addresses (implementation-defined in the spec): ipBlock semantics, except a pod's own node, which is always allowed", () => {
    const w = from({ cidr: '172.18.0.0/16' });
    expect(allowed(w, { ip: '172.18.0.3', node: 'n2' }, 'x/a')).toBe(true);
    expect(allowed(w, { ip: '172.19.0.3', node: 'n2' }, 'x/a')).toBe(false);
    const v = evaluate(w, { from: { ip: '172.19.0.2', node: 'n1' }, to: { pod: 'x/a' }, port: 80, protocol: 'TCP' });
    expect(v).toMatchObject({ allowed: true, ingress: { reason: expect.stringContaining('its own node is always allowed') } });
    expect(allowed(w, { ip: '172.19.0.2', node: 'n1' }, 'x/a', { model: { nodeLocalAlwaysAllowed: false } })).toBe(false);
    expect(allowed(world([denyEgress('x/out')]), 'x/a', { ip: '172.19.0.2', node: 'n1' })).toBe(true);
  });
});

describe('ports', () => {
  const ports = (p: NetworkPolicy['spec']['ingress']) => world([netpol('x/p', { podSelector: {}, ingress: p ?? [] })]);

  test('"protocol: The protocol (TCP, UDP, or SCTP) which traffic must match. If not specified, this field defaults to TCP"', () => {
    const w = ports([{ ports: [{ port: 80 }] }]);
    expect(allowed(w, 'y/a', 'x/a', { protocol: 'TCP' })).toBe(true);
    expect(allowed(w, 'y/a', 'x/a', { protocol: 'UDP' })).toBe(false);
    expect(allowed(w, 'y/a', 'x/a', { port: 81 })).toBe(false);
  });

  test('an entry with a protocol and no port matches every port of that protocol', () => {
    const w = ports([{ ports: [{ protocol: 'UDP' }] }]);
    expect(allowed(w, 'y/a', 'x/a', { port: 5353, protocol: 'UDP' })).toBe(true);
    expect(allowed(w, 'y/a', 'x/a', { port: 5353, protocol: 'TCP' })).toBe(false);
  });

  test('"endPort indicates that the range of ports from port to endPort, inclusive, should be allowed"', () => {
    const w = ports([{ ports: [{ port: 80, endPort: 82, protocol: 'UDP' }] }]);
    expect([79, 80, 81, 82, 83].filter((port) => allowed(w, 'y/a', 'x/a', { port, protocol: 'UDP' }))).toEqual([80, 81, 82]);
    expect(allowed(w, 'y/a', 'x/a', { port: 81, protocol: 'TCP' })).toBe(false);
  });

  test('ingress named ports resolve against the destination (selected) pod: each pod its own number', () => {
    const w = world([netpol('x/p', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })], [pod('x/c', { pod: 'c' }, { namedPorts: { http: { port: 8080, protocol: 'TCP' } } })]);
    expect(allowed(w, 'y/a', 'x/a', { port: 80 })).toBe(true);
    expect(allowed(w, 'y/a', 'x/c', { port: 80 })).toBe(false);
    expect(allowed(w, 'y/a', 'x/c', { port: 8080 })).toBe(true);
  });

  test('egress named ports resolve against the destination pod, not the sending pod; an external destination has no names', () => {
    const src = pod('x/c', { pod: 'c' }, { namedPorts: { http: { port: 8080, protocol: 'TCP' } } });
    const w = world([netpol('x/out', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })], [src]);
    expect(allowed(w, 'x/c', 'y/a', { port: 80 })).toBe(true);
    expect(allowed(w, 'x/c', 'y/a', { port: 8080 })).toBe(false);
    expect(allowed(w, 'x/c', { ip: '192.0.2.1' }, { port: 80 })).toBe(false);
  });

  test("a named port whose protocol differs from the entry's (defaulted TCP) matches nothing", () => {
    expect(allowed(ports([{ ports: [{ port: 'dns' }] }]), 'y/a', 'x/a', { port: 53, protocol: 'UDP' })).toBe(false);
    expect(allowed(ports([{ ports: [{ port: 'dns' }] }]), 'y/a', 'x/a', { port: 53, protocol: 'TCP' })).toBe(false);
    expect(allowed(ports([{ ports: [{ port: 'dns', protocol: 'UDP' }] }]), 'y/a', 'x/a', { port: 53, protocol: 'UDP' })).toBe(true);
  });

  test('a rule needs its peer AND its port: pod=b on 80 does not let pod=b in on 81, nor y/a on 80', () => {
    const w = ports([{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }]);
    expect(allowed(w, 'x/b', 'x/a', { port: 80 })).toBe(true);
    expect(allowed(w, 'x/b', 'x/a', { port: 81 })).toBe(false);
    expect(allowed(w, 'y/a', 'x/a', { port: 80 })).toBe(false);
    expect(evaluate(w, { from: { pod: 'x/b' }, to: { pod: 'x/a' }, port: 80, protocol: 'TCP' }).ingress.allowedBy[0]).toMatchObject({ policy: 'x/p', rule: 0, peer: 0, port: 0 });
  });
});

describe('endpoints', () => {
  test('an unknown pod is an error, not a verdict', () => {
    expect(() => allowed(world(), 'x/zzz', 'x/a')).toThrow(/no pod x\/zzz/);
  });

  test('the family defaults to the first address either end has', () => {
    const w = world([netpol('x/ip', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/16' } }] }] })]);
    expect(allowed(w, 'y/a', 'x/a')).toBe(false); // IPv4 first
    expect(allowed(w, { ip: 'fd00:9::9' }, 'x/a')).toBe(true);
  });
});
