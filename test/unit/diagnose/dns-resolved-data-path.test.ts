import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, podToService } from '../fixtures/results.ts';
import { dnsRows } from '../paths/fixtures.ts';

describe('diagnosis: dns-resolved-data-path', () => {
  test('names resolved but their address did not answer → the data path, not DNS', () => {
    // No lookup result on the row: the name resolved, then the connection to its address failed.
    const rows = dnsRows((r) => (r.properties?.['dns.what'] === 'fqdn' && r.from.node === 'worker-1' ? { observed: 'FILTERED' } : undefined));
    const { causes, findings } = diagnose([...podToPod(), ...podToService(), ...rows]);
    expect(findings.map((f) => f.rule)).toEqual(['dns-resolved-data-path']);
    expect(causes[0]).toMatch(/^names resolved but their addresses did not answer \(3 checks from worker-1\): not a DNS problem/);
  });
});
