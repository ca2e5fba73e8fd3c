// dns-udp-blocked and dns-tcp-blocked: one transport's lookups fail from a node's pods, and only
// when everything else those pods do agrees.
import { describe, expect, test } from 'vitest';
import type { NetworkResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { clusterRun, lookupTimedOut } from '../fixtures/cluster.ts';

const W2 = 'worker-2';
const lookupsFail = (transport: string) => (r: NetworkResult) =>
  r.suite === 'dns' && r.from.node === W2 && r.from.kind === 'pod' && r.properties?.['dns.transport'] === transport ? lookupTimedOut(r) : r;

describe('diagnosis: a DNS transport dropped from one node', () => {
  test("UDP lookups from worker-2's pods time out, TCP lookups and other UDP work → UDP 53 dropped", () => {
    const { causes, findings } = diagnose(clusterRun().map(lookupsFail('udp')));
    expect(findings.map((f) => f.rule)).toEqual(['dns-udp-blocked']);
    expect(causes[0]).toMatch(/DNS over UDP times out from pods on worker-2 \(2 checks\) while DNS over TCP from worker-2 works/);
  });

  test("must NOT say UDP 53 is dropped when the same pods' other UDP traffic fails too (something broader drops UDP)", () => {
    const run = clusterRun({
      row: (r) => (r.from.node === W2 && r.from.kind === 'pod' && r.protocol === 'udp' && r.suite !== 'dns' ? 'FILTERED' : undefined),
      serviceTry: (r) => !(r.from.node === W2 && r.from.kind === 'pod' && r.protocol === 'udp'),
    });
    const { findings } = diagnose(run.map(lookupsFail('udp')));
    expect(findings.map((f) => f.rule)).not.toContain('dns-udp-blocked');
  });

  test('must NOT say UDP 53 is dropped when some UDP lookup from those pods worked', () => {
    let first = true;
    const run = clusterRun().map((r) => {
      const out = lookupsFail('udp')(r);
      if (out !== r && first) {
        first = false;
        return r;
      }
      return out;
    });
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('dns-udp-blocked');
  });

  test("TCP lookups from worker-2's pods time out while UDP lookups work → TCP 53 dropped (truncated answers fail)", () => {
    const { causes, findings } = diagnose(clusterRun().map(lookupsFail('tcp')));
    expect(findings.map((f) => f.rule)).toEqual(['dns-tcp-blocked']);
    expect(causes[0]).toMatch(/DNS over TCP times out from pods on worker-2 \(2 checks\) while DNS over UDP from worker-2 works: TCP 53/);
  });

  test("must NOT say TCP 53 is dropped when the same pods' UDP lookups fail too", () => {
    const run = clusterRun().map((r) => lookupsFail('udp')(lookupsFail('tcp')(r)));
    expect(diagnose(run).findings.map((f) => f.rule)).not.toContain('dns-tcp-blocked');
  });
});
