// The narrow-cause rules (UDP only, one direction only, a single pod) judged on what real broken
// networks produced: the rows of fault runs on the lab, captured by
// test/tools/capture-fault-fixtures.ts into test/unit/fixtures/real/. Each must name its cause
// first and explain every failed row, never fall back to "the pod route" or "no known pattern".
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { FaultFixture } from '../../tools/capture-fault-fixtures.ts';

const dir = path.resolve(import.meta.dirname, '..', 'fixtures', 'real');
const load = (id: string): FaultFixture => JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as FaultFixture;
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';

function judge(id: string) {
  const fixture = load(id);
  const { causes, findings, results } = diagnose(fixture.results);
  const bad = results.filter((r) => r.outcome === 'failed');
  return { fixture, causes, rules: findings.map((f) => f.rule), bad, unexplained: bad.filter((r) => !r.diagnosis?.length) };
}

describe('diagnosis on real fault runs (lab, routed)', () => {
  test(`block-udp ${W1} ${W2}: "UDP only" between the two workers; every failed row is UDP and explained`, () => {
    const { causes, rules, bad, unexplained } = judge('block-udp');
    expect(bad.length).toBeGreaterThanOrEqual(8);
    expect(bad.every((r) => r.protocol === 'udp')).toBe(true);
    expect(rules[0]).toBe('udp-only');
    expect(causes[0]).toMatch(new RegExp(`^UDP fails while TCP passes on the same pairs .*something drops UDP only between (${W1}, ${W2}|${W2}, ${W1})`));
    expect(causes.join('\n')).not.toMatch(/pod route or overlay|no known pattern/);
    expect(unexplained).toEqual([]);
  });

  test(`one-way ${W1} ${W2}: "one direction only" from ${W1} into ${W2}; the reverse passed`, () => {
    const { causes, rules, bad, unexplained, fixture } = judge('one-way');
    const podRows = fixture.results.filter((r) => r.suite === 'pod-to-pod');
    expect(podRows.filter((r) => r.from.node === W2 && r.to.node === W1).every((r) => r.outcome === 'passed')).toBe(true);
    expect(bad.filter((r) => r.suite === 'pod-to-pod').every((r) => r.from.node === W1 && r.to.node === W2)).toBe(true);
    expect(rules[0]).toBe('asymmetric');
    expect(causes[0]).toMatch(new RegExp(`^pod traffic from ${W1} to ${W2} fails \\(\\d+ checks\\) while ${W2} → ${W1} passes: asymmetric, one direction only`));
    expect(causes.join('\n')).not.toMatch(/no known pattern/);
    expect(unexplained).toEqual([]);
  });

  test(`isolate-next-pod ${W1}: names the one pod whose address its node stopped forwarding, not the node`, () => {
    const { causes, rules, unexplained, fixture } = judge('isolate-next-pod');
    const ip = /isolated address: (\S+)/.exec(fixture.faultOutput)?.[1];
    const pod = fixture.results.find((r) => r.to.kind === 'pod' && r.to.ip === ip)?.to.pod;
    expect(pod, `a probe pod got the isolated address ${ip}`).toMatch(/^probe-/);
    expect(rules[0]).toBe('single-pod');
    expect(causes[0]).toMatch(new RegExp(`^pod ${pod} on ${W1} is unreachable \\(\\d+ checks?, from .*\\) while .* on ${W1} answers checks from those nodes`));
    expect(causes[0]).not.toMatch(new RegExp(`${W1}'s pod route`));
    expect(unexplained).toEqual([]);
  });

  test(`mtu ${W2} 1200 on vxlan: full-size rows fail both ways, small ones pass → the MTU on ${W2}'s paths, and nothing else`, () => {
    // Captured on the vxlan lab (nftables) after the probes became answer-only servers: the
    // full-size requests go to ports of their own (8082/tcp, 8083/udp), so the small and the
    // full-size rows of a pair no longer share a port; the rule compared them by port and named
    // "UDP only" and "pod route or overlay" instead.
    const { causes, rules, bad, unexplained } = judge('mtu-vxlan');
    expect(bad.length).toBeGreaterThanOrEqual(30);
    expect(bad.every((r) => r.payload === 'full')).toBe(true);
    expect(bad.some((r) => r.protocol === 'tcp') && bad.some((r) => r.protocol === 'udp')).toBe(true);
    expect(rules).toEqual(['mtu']);
    expect(causes[0]).toMatch(new RegExp(`^small payloads pass but full-size ones fail \\(\\d+ checks: .*\\): MTU mismatch on the path to and from ${W2} — `));
    expect(unexplained).toEqual([]);
  });

  test(`cut-route --family 6 ${W1} ${W2} while ${W1}'s host probe restarted: churn first, then the IPv6 route — not "intermittent loss"`, () => {
    // The fresh-clone CI run of ee766c5 (dual lab): the host probe on W1 restarted twice during the
    // fault (netexec exits when a UDP answer cannot be sent), and its rows lost some samples. Those
    // rows are the churn's; they used to make the pair look lossy and hide the IPv6 cause.
    const { causes, rules } = judge('cut-route-ipv6-churn');
    expect(rules[0]).toBe('probe-changed');
    expect(causes.join('\n')).not.toMatch(/intermittent loss/);
    expect(causes).toContainEqual(expect.stringMatching(new RegExp(`^IPv6 pod routes between ${W1} and ${W2} fail \\(\\d+ checks\\) while IPv4 between them passes`)));
  });
});
