import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, podToService } from '../fixtures/results.ts';
import { dnsRows } from '../paths/fixtures.ts';

const base = () => [...podToPod(), ...podToService()];
const timeout = { observed: 'FILTERED' as const, result: 'TIMEOUT' };

describe('diagnosis: dns-down', () => {
  test('no lookup answered from any node and the DNS Service had no ready endpoints → named; every dns row is this cause', () => {
    const rows = dnsRows(() => timeout).map((r) => ({ ...r, properties: { ...r.properties, 'dns.server.endpoints': '0' } }));
    const { causes, findings } = diagnose([...base(), ...rows]);
    expect(findings.map((f) => f.rule)).toEqual(['dns-down']);
    expect(causes[0]).toMatch(/^cluster DNS answers no lookup from any node \(15 checks, TIMEOUT\) on 10\.96\.0\.10, which had no ready endpoints when the run started: the DNS pods are down/);
  });

  test('one node still resolves → not DNS down', () => {
    const rows = dnsRows((r) => (r.from.node === 'cp-1' ? undefined : timeout));
    expect(diagnose([...base(), ...rows]).findings.map((f) => f.rule)).not.toContain('dns-down');
  });
});
