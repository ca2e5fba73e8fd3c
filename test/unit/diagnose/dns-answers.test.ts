import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, podToService } from '../fixtures/results.ts';
import { dnsRows } from '../paths/fixtures.ts';

const base = () => [...podToPod(), ...podToService()];

describe('diagnosis: dns-answers', () => {
  test('existing names get SERVFAIL → the DNS server runs but cannot serve the zone (names one looked-up name)', () => {
    const rows = dnsRows((r) => (r.properties?.['dns.what'] === 'fqdn' && r.from.node === 'cp-1' ? { observed: 'WRONG_ANSWER', result: 'SERVFAIL' } : undefined)).map((r) =>
      r.properties?.['dns.what'] === 'fqdn' ? { ...r, properties: { ...r.properties, 'dns.name': 'dns-probes.ns.svc.cluster.local' } } : r,
    );
    const { causes, findings } = diagnose([...base(), ...rows]);
    expect(findings.map((f) => f.rule)).toEqual(['dns-answers']);
    expect(causes).toEqual([expect.stringMatching(/^the cluster DNS answers SERVFAIL for names of existing Services \(3 checks from cp-1, e\.g\. dns-probes\.ns\.svc\.cluster\.local\)/)]);
  });

  test('a name that must not exist resolves → a wildcard or search-path domain answers for any name', () => {
    const { causes } = diagnose([...base(), ...dnsRows((r) => (r.properties?.['dns.what'] === 'nxdomain' ? { observed: 'WRONG_ANSWER', result: 'NOERROR' } : undefined))]);
    expect(causes).toEqual([expect.stringMatching(/^a name that does not exist resolves \(6 checks\): a wildcard record or a search-path domain/)]);
  });

  test('a headless name answered by a pod its Service does not select → stale records, not reachability', () => {
    const headless = dnsRows().map((r) =>
      r.properties?.['dns.what'] === 'fqdn' && r.from.kind === 'pod'
        ? { ...r, observed: 'WRONG_ANSWER' as const, outcome: 'failed' as const, properties: { ...r.properties, 'dns.what': 'headless' } }
        : r,
    );
    const { causes, results } = diagnose([...base(), ...headless]);
    expect(causes).toEqual([expect.stringMatching(/^a headless Service's name resolves to addresses of pods it does not select \(6 checks\): stale DNS records/)]);
    expect(results.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.[0] === 'headless name answered by a pod it does not select: stale record')).toBe(true);
  });
});
