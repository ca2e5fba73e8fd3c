// A Service whose endpoints never appeared is a setup problem, never a network verdict: the
// rows that need it are not run, with the reason, in every suite that waits for endpoints.
import { describe, expect, test } from 'vitest';
import type { SuiteModule } from '../../../helpers/check/suite.ts';
import dns, { type DnsPlan } from '../../../suites/dns.ts';
import podToService, { type PodToServicePlan } from '../../../suites/pod-to-service.ts';
import affinity, { type AffinityPlan } from '../../../suites/session-affinity.ts';
import { rowsFor } from '../suite-rows.ts';
import { fixtureTopology } from '../topology-fixture.ts';

const why = 'waiting for 6 ready endpoints of service probes: not there within 30 s';
const withPlan = (name: string, plan: unknown) => {
  const t = fixtureTopology();
  t.plans[name] = plan;
  return t;
};

describe('endpoints that never appeared: the rows are not run, never failed', () => {
  test.each([
    [
      'pod-to-service',
      podToService,
      { probes: { name: 'probes', clusterIP: '10.96.3.3', port: 80 }, probesProblem: `the probes Service's endpoints never all appeared: ${why}` } satisfies PodToServicePlan,
    ],
    [
      'session-affinity',
      affinity,
      { service: { name: 'probes-affinity', clusterIP: '10.96.0.60', port: 80 }, problem: `the affinity Service's endpoints never all appeared: ${why}` } satisfies AffinityPlan,
    ],
    [
      'dns',
      dns,
      {
        server: { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10' },
        cluster: { name: 'dns-probes', clusterIP: '10.96.5.5', port: 80 },
        headless: { name: 'dns-headless', port: 8080 },
        servicesProblem: `the dns suite's Services' endpoints never all appeared: ${why}`,
      } satisfies DnsPlan,
    ],
  ] as const)('%s', (name, module, plan) => {
    const rows = rowsFor(module as unknown as SuiteModule<never>)(withPlan(name, plan)).filter((r) => r.suite === name);
    const own = rows.filter((r) => r.kind === 'network' || (r.kind === 'static' && r.reason.includes('never all appeared')));
    expect(own.length).toBeGreaterThan(0);
    for (const r of own) expect(r).toMatchObject({ kind: 'static', status: 'not-run', reason: expect.stringContaining(why) });
  });
});
