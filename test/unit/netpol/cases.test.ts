// The generated case set: enough cases, every family, valid objects in the run's namespaces only,
// expected tables that say something, and a core subset that touches every family.
import { describe, expect, test } from 'vitest';
import { caseSteps, caseWorld, type CaseOptions } from '../../../helpers/netpol/case-world.ts';
import { CASE_FAMILIES, coreCases, generateCases, type NetpolCase } from '../../../helpers/netpol/cases.ts';
import { policyProblems } from '../../../helpers/netpol/validate.ts';
import { applyActions } from '../../../helpers/netpol/world.ts';

function options(prefix: string, more: Partial<CaseOptions> = {}): CaseOptions {
  const pods: NonNullable<CaseOptions['pods']> = {};
  let i = 10;
  for (const n of ['x', 'y', 'z'] as const) {
    for (const p of ['a', 'b', 'c'] as const) {
      pods[`${n}/${p}`] = { ips: [`10.244.${i % 3}.${i}`, `fd00:10:244:${i % 3}::${i}`], node: `node-${i % 3}` };
      i++;
    }
  }
  return { namespaces: { x: `${prefix}-x`, y: `${prefix}-y`, z: `${prefix}-z` }, pods, ...more };
}

const dual = options('nc-7f3a', {
  podCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'],
  dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, pods: [{ name: 'coredns-1', ips: ['10.244.0.2', 'fd00:10:244::2'], node: 'node-0' }] },
});
const cases = generateCases(dual);
const minimal = generateCases(options('r1'));
const byId = (id: string) => cases.find((c) => c.id === id)!;
const lastTable = (c: NetpolCase) => c.steps.at(-1)!.expected;
const allowedInto = (c: NetpolCase, to: string, port = 80, protocol = 'TCP') =>
  lastTable(c)
    .cells.filter((cell) => cell.to === to && cell.port === port && cell.protocol === protocol && cell.allowed && cell.from !== to)
    .map((cell) => cell.from.replace('nc-7f3a-', ''));

describe('the case set', () => {
  test('at least 100 cases with unique ids, even without pod CIDRs or DNS', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(minimal.length).toBeGreaterThanOrEqual(100);
    expect(minimal.some((c) => c.family === 'ip-block' || c.family === 'dns-egress')).toBe(false);
  });

  test('every family is present, and families come from the known list', () => {
    const counts = Object.fromEntries(CASE_FAMILIES.map((f) => [f, cases.filter((c) => c.family === f).length]));
    for (const f of CASE_FAMILIES) expect(counts[f], f).toBeGreaterThan(0);
    expect(cases.every((c) => CASE_FAMILIES.includes(c.family) && c.touches.includes(c.family))).toBe(true);
  });

  test('ids do not depend on the run: other namespace names and addresses give the same ids', () => {
    const other = options('zz-99', { podCIDRs: dual.podCIDRs!, dns: dual.dns! });
    expect(generateCases(other).map((c) => c.id)).toEqual(cases.map((c) => c.id));
  });

  test('every case has a one-line description and at least one step', () => {
    for (const c of cases) {
      expect(c.description, c.id).toMatch(/^[^\n]{10,200}$/);
      expect(c.steps.length, c.id).toBeGreaterThan(0);
    }
  });
});

describe('every step is valid in the run', () => {
  const run = new Set(Object.values(dual.namespaces));

  test('policies are valid v1 objects, made only in the run namespaces; labels and pods change only there', () => {
    for (const c of cases) {
      for (const s of c.steps) {
        for (const a of s.actions) {
          if (a.kind === 'apply') {
            expect(policyProblems(a.policy), c.id).toEqual([]);
            expect(run.has(a.policy.metadata.namespace), c.id).toBe(true);
          } else {
            const namespace = a.kind === 'add-pod' ? a.pod.namespace : a.namespace;
            expect(run.has(namespace), `${c.id} ${a.kind}`).toBe(true);
          }
        }
      }
    }
  });

  // Replays every case's every step (~5 s on this 2-core machine when it is busy): more than vitest's default 5 s.
  test('each step replays without throwing and gives the same tables; each probes every run pod pair on the four ports', { timeout: 60_000 }, () => {
    const base = caseWorld(dual);
    for (const c of cases) {
      const replay = caseSteps(base, c.steps, dual, { ...(c.dns ? { dns: true } : {}), ...(c.ipFamily ? { family: c.ipFamily } : {}) });
      expect(
        replay.steps.map((s) => s.expected),
        c.id,
      ).toEqual(c.steps.map((s) => s.expected));
      for (const s of c.steps) {
        const pods = applyActions(base, []).pods.length; // nine run pods + the DNS pod
        const added = s.expected.cells.some((cell) => cell.to.endsWith('/d')) ? 1 : 0;
        const runPods = pods - 1 + added;
        expect(s.expected.cells.length, c.id).toBe(runPods * runPods * 4 + (c.dns ? runPods * 2 : 0));
      }
    }
  });

  test('in every family some case expects a mix of allowed and denied (not all one way)', () => {
    for (const f of CASE_FAMILIES) {
      const mixed = cases.filter((c) => c.family === f).filter((c) => new Set(lastTable(c).cells.map((cell) => cell.allowed)).size === 2);
      expect(mixed.length, f).toBeGreaterThan(0);
    }
  });

  // Replays every case's every step (~5 s on this 2-core machine when it is busy): more than vitest's default 5 s.
  test("every case's last step flips some cells (what the runner polls), and the teardown brings back the base world", { timeout: 60_000 }, () => {
    const base = caseWorld(dual);
    for (const c of cases) {
      expect(c.changed.length, c.id).toBeGreaterThan(0);
      expect(c.changed).toEqual(c.steps.at(-1)!.changed);
      const end = c.steps.reduce((w, s) => applyActions(w, s.actions), base);
      expect(applyActions(end, c.teardown), c.id).toEqual(base);
    }
  });
});

describe('core subset', () => {
  test('about ten cases that together touch every family', () => {
    const core = coreCases(cases);
    expect(core.length).toBeGreaterThanOrEqual(8);
    expect(core.length).toBeLessThanOrEqual(12);
    const touched = new Set(core.flatMap((c) => c.touches));
    expect(CASE_FAMILIES.filter((f) => !touched.has(f))).toEqual([]);
  });

  test('without pod CIDRs and DNS the core has no ip-block or dns-egress case, and the rest still stand', () => {
    const core = coreCases(minimal);
    expect(core.length).toBe(8);
    const touched = new Set(core.flatMap((c) => c.touches));
    expect(CASE_FAMILIES.filter((f) => !touched.has(f))).toEqual(['ip-block', 'dns-egress']);
  });
});

describe('what a few cases expect', () => {
  test('AND in one peer versus OR in two peers', () => {
    expect(allowedInto(byId('ingress/and-vs-or/and-y-b'), 'nc-7f3a-x/a')).toEqual(['y/b']);
    expect(allowedInto(byId('ingress/and-vs-or/or-y-b'), 'nc-7f3a-x/a')).toEqual(['x/b', 'y/a', 'y/b', 'y/c']);
  });

  test('ipBlock except a pod, per family; with ipBlockMatchesPods off no pod is let in', () => {
    for (const family of ['ipv4', 'ipv6']) {
      const c = byId(`ingress/ip-block/pod-cidr-except-pod/${family}`);
      expect(c.ipFamily).toBe(family);
      expect(allowedInto(c, 'nc-7f3a-x/a')).toEqual(['x/b', 'x/c', 'y/a', 'y/c', 'z/a', 'z/b', 'z/c']);
    }
    const off = generateCases({ ...dual, model: { ipBlockMatchesPods: false } }).find((c) => c.id === 'ingress/ip-block/pod-cidr-except-pod/ipv4')!;
    expect(allowedInto(off, 'nc-7f3a-x/a')).toEqual([]);
    expect(allowedInto(byId('ingress/ip-block/other-family/ipv4'), 'nc-7f3a-x/a')).toEqual([]);
  });

  test('default-deny egress with DNS: 53/UDP and 53/TCP to the DNS pod only, by selector or by address', () => {
    const dnsCells = (c: NetpolCase) => lastTable(c).cells.filter((cell) => cell.from === 'nc-7f3a-x/a' && cell.port === 53);
    expect(dnsCells(byId('egress/dns-egress/deny-plus-dns')).map((c) => [c.to, c.protocol, c.allowed])).toEqual([
      ['kube-system/coredns-1', 'UDP', true],
      ['kube-system/coredns-1', 'TCP', true],
    ]);
    expect(dnsCells(byId('egress/dns-egress/udp-only')).map((c) => c.allowed)).toEqual([true, false]);
    expect(dnsCells(byId('egress/dns-egress/named-ports')).map((c) => c.allowed)).toEqual([true, true]);
    expect(allowedInto(byId('egress/dns-egress/deny-plus-dns'), 'nc-7f3a-y/a')).toEqual(['y/b', 'y/c', 'z/a', 'z/b', 'z/c']);
    const byIp = generateCases({ ...dual, dns: { ips: ['10.96.5.5'] } });
    const c = byIp.find((k) => k.id === 'egress/dns-egress/deny-plus-dns')!;
    expect(dnsCells(c).map((cell) => [cell.to, cell.allowed])).toEqual([
      ['10.96.5.5', true],
      ['10.96.5.5', true],
    ]);
    expect(byIp.some((k) => k.id === 'egress/dns-egress/named-ports')).toBe(false);
  });

  test('a new pod joining a selected set: its cells appear in the last step and are the ones that changed', () => {
    const c = byId('ingress/changes/new-pod-in-peer');
    expect(c.changed.every((cell) => cell.from === 'nc-7f3a-z/d' || cell.to === 'nc-7f3a-z/d')).toBe(true);
    expect(c.changed.find((cell) => cell.from === 'nc-7f3a-z/d' && cell.to === 'nc-7f3a-x/a' && cell.port === 80 && cell.protocol === 'TCP')).toMatchObject({ before: undefined, after: true });
    expect(c.teardown).toContainEqual({ kind: 'delete-pod', namespace: 'nc-7f3a-z', pod: 'd' });
  });

  test("relabelling a namespace into a selector flips exactly that namespace's pods", () => {
    const c = byId('ingress/changes/namespace-into-selector');
    expect(new Set(c.changed.map((cell) => `${cell.from}→${cell.to} ${cell.after}`))).toEqual(
      new Set(['nc-7f3a-z/a→nc-7f3a-x/a true', 'nc-7f3a-z/b→nc-7f3a-x/a true', 'nc-7f3a-z/c→nc-7f3a-x/a true']),
    );
  });

  test('named port with the wrong protocol matches nothing; endPort covers both served ports', () => {
    expect(allowedInto(byId('ingress/port-name/protocol-mismatch'), 'nc-7f3a-x/b', 80, 'UDP')).toEqual([]);
    const range = byId('ingress/end-port/80-81-tcp');
    expect(allowedInto(range, 'nc-7f3a-x/b', 81, 'TCP')).toHaveLength(8);
    expect(allowedInto(range, 'nc-7f3a-x/b', 81, 'UDP')).toEqual([]);
  });
});
