// pod-to-external: its rows (every pod and host probe → the runner, TCP and UDP, expecting the
// node's address), the skipped rows of a node that cannot reach the runner, the runner's own
// server (real sockets on loopback), and the egress-NAT diagnosis.
import dgram from 'node:dgram';
import http from 'node:http';
import { describe, expect, test } from 'vitest';
import type { NetworkCheck, NetworkResult, StaticCheck } from '../../../helpers/check/types.ts';
import { classify } from '../../../helpers/check/classify.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { startExternalServer, RUNNER_HOSTNAME } from '../../../helpers/external-server.ts';
import suite, { RUNNER_TARGET, type PodToExternalPlan } from '../../../suites/pod-to-external.ts';
import { fixtureTopology } from '../topology-fixture.ts';
import { row } from '../fixtures/results.ts';

const topology = fixtureTopology();
const seenAs = (n: string) => `172.28.0.${10 + ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'].indexOf(n)}`;
const plan: PodToExternalPlan = {
  port: 41000,
  nodes: Object.fromEntries(['lab-control-plane', 'lab-worker-1', 'lab-worker-2'].map((n) => [n, { server: '172.28.0.1', seen: seenAs(n) }])),
};

describe('pod-to-external rows', () => {
  test('every pod and host probe of every node → the runner, TCP and UDP; each expects its own node address as the client', () => {
    const rows = suite.checks(topology, plan, {}).filter((r): r is NetworkCheck => r.kind === 'network');
    expect(rows).toHaveLength(3 * 3 * 2);
    for (const r of rows) {
      expect(r.title).toBe(`${r.from.node}/${r.from.kind === 'host' ? 'host' : r.title.split('/')[1]!.split(' ')[0]} → ${RUNNER_TARGET} ${r.protocol}`);
      expect(r.to).toMatchObject({ kind: 'runner', ip: '172.28.0.1' });
      expect(r.answer).toMatchObject({ kind: 'clientip', expected: seenAs(r.from.node) });
      expect(r.drive).toMatchObject({ via: 'probe', target: { host: '172.28.0.1', port: 41000 } });
    }
  });

  test("a runner with another address toward one node: that node's rows dial its own server's port", () => {
    const multiHomed: PodToExternalPlan = {
      port: 41000,
      nodes: {
        'lab-control-plane': { server: '172.28.0.1', port: 41000, seen: seenAs('lab-control-plane') },
        'lab-worker-1': { server: '172.28.0.1', port: 41000, seen: seenAs('lab-worker-1') },
        'lab-worker-2': { server: '172.28.9.1', port: 42000, seen: seenAs('lab-worker-2') },
      },
    };
    const rows = suite.checks(topology, multiHomed, {}).filter((r): r is NetworkCheck => r.kind === 'network');
    for (const r of rows) {
      const [host, port] = r.from.node === 'lab-worker-2' ? ['172.28.9.1', 42000] : ['172.28.0.1', 41000];
      expect(r.drive).toMatchObject({ target: { host, port } });
      expect(r.port).toBe(port);
    }
  });

  test('list (before settle) and run give the same titles: no address or port in them', () => {
    const listed = suite.checks(topology, { port: 0, nodes: {} }, {}).map((r) => r.title);
    expect(suite.checks(topology, plan, {}).map((r) => r.title)).toEqual(listed);
  });

  test('a node whose own host network does not reach the runner: its rows are skipped with the reason, never failed', () => {
    const problem = "lab-worker-2's own host network does not reach the runner at 172.28.0.1:41000 (i/o timeout)";
    const rows = suite.checks(topology, { ...plan, nodes: { ...plan.nodes, 'lab-worker-2': { server: '172.28.0.1', problem } } }, {});
    const w2 = rows.filter((r) => r.title.startsWith('lab-worker-2/'));
    expect(w2).toHaveLength(6);
    expect(w2.every((r) => r.kind === 'static' && (r as StaticCheck).status === 'skipped' && (r as StaticCheck).reason === problem)).toBe(true);
  });

  test('a pod seen as its own IP is a wrong answer that says egress NAT is missing, not "SNAT"', () => {
    const check = suite.checks(topology, plan, {}).find((r): r is NetworkCheck => r.kind === 'network' && r.from.kind === 'pod')!;
    const verdict = classify([{ kind: 'answer', text: `${check.from.ip}:40123` }], check.answer);
    expect(verdict.observed).toBe('WRONG_ANSWER');
    expect(verdict.detail).toMatch(/egress NAT missing/);
    expect(verdict.detail).not.toMatch(/SNAT/);
    expect(classify([{ kind: 'answer', text: `${seenAs(check.from.node)}:40123` }], check.answer).observed).toBe('REACHABLE');
  });
});

describe("the runner's server (loopback)", () => {
  test('answers /clientip and /hostname over TCP, clientip and hostname over UDP on the same port; closes', async () => {
    const server = await startExternalServer('127.0.0.1');
    try {
      const get = (p: string) =>
        new Promise<string>((resolve, reject) =>
          http
            .get({ host: '127.0.0.1', port: server.port, path: p }, (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve(body));
            })
            .on('error', reject),
        );
      expect(await get('/clientip')).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await get('/hostname')).toBe(RUNNER_HOSTNAME);
      const socket = dgram.createSocket('udp4');
      const ask = (text: string) =>
        new Promise<string>((resolve) => {
          socket.once('message', (m) => resolve(m.toString()));
          socket.send(text, server.port, '127.0.0.1');
        });
      expect(await ask('clientip')).toMatch(/^127\.0\.0\.1:\d+ +$/);
      expect((await ask('clientip')).length).toBe(64);
      // UDP answers are padded to the probes' fixed answer length (their UDP client, bash's read -N or socat, reads exactly that many bytes).
      expect(await ask('hostname')).toBe(RUNNER_HOSTNAME.padEnd(64));
      socket.close();
      expect(server.answered()).toBe(5);
    } finally {
      await server.close();
    }
    await expect(new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: server.port, path: '/hostname' }, resolve).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('diagnosis: egress NAT', () => {
  const ext = (from: string, kind: 'pod' | 'host', protocol: 'tcp' | 'udp', failed: boolean): NetworkResult =>
    row({
      suite: 'pod-to-external',
      from: { kind, node: from, pod: `probe-${kind === 'host' ? 'host' : 'a'}-${from}`, ip: kind === 'host' ? seenAs(from) : '10.244.2.5', family: 'ipv4' },
      to: { kind: 'runner', node: '', ip: '172.28.0.1', family: 'ipv4' },
      protocol,
      port: 41000,
      ...(failed ? { outcome: 'failed' as const, observed: 'FILTERED' as const } : {}),
    });
  test("pods on one node get no answer from outside while that node's host does → egress NAT on that node", () => {
    const rows = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'].flatMap((n) => (['tcp', 'udp'] as const).flatMap((p) => [ext(n, 'pod', p, n === 'lab-worker-2'), ext(n, 'host', p, false)]));
    const { causes, findings, results } = diagnose(rows);
    expect(findings.map((f) => f.rule)).toEqual(['egress-nat']);
    expect(causes[0]).toMatch(/^pods on lab-worker-2 cannot reach outside the cluster: egress NAT — 2 checks .* got no answer while lab-worker-2's own host network reaches it/);
    expect(results.filter((r) => r.outcome === 'failed').every((r) => r.diagnosis?.[0]?.startsWith('egress NAT on lab-worker-2'))).toBe(true);
  });

  test("the node's host fails too → not egress NAT (the rule does not claim it)", () => {
    const rows = (['tcp', 'udp'] as const).flatMap((p) => [ext('lab-worker-2', 'pod', p, true), ext('lab-worker-2', 'host', p, true)]);
    expect(diagnose(rows).findings.map((f) => f.rule)).not.toContain('egress-nat');
  });
});

describe('diagnosis: egress NAT is not blamed for a node that forwards nothing', () => {
  test("its pods' cross-node traffic fails too → the egress-nat rule leaves the rows to others", () => {
    const out = (kind: 'pod' | 'host', failed: boolean): NetworkResult =>
      row({
        suite: 'pod-to-external',
        from: { kind, node: 'worker-2', pod: kind === 'host' ? 'probe-host-worker-2' : 'probe-a', ip: kind === 'host' ? '172.28.0.12' : '10.244.2.5', family: 'ipv4' },
        to: { kind: 'runner', node: '', ip: '172.28.0.1', family: 'ipv4' },
        ...(failed ? { outcome: 'failed' as const, observed: 'FILTERED' as const } : {}),
      });
    const podToPodFails = row({
      from: { node: 'worker-2', kind: 'pod', pod: 'probe-a', ip: '10.244.2.5', family: 'ipv4' },
      to: { node: 'worker-1', kind: 'pod', pod: 'probe-a', ip: '10.244.1.5', family: 'ipv4' },
      outcome: 'failed',
      observed: 'FILTERED',
    });
    const { findings } = diagnose([out('pod', true), out('pod', true), out('host', false), podToPodFails]);
    expect(findings.map((f) => f.rule)).not.toContain('egress-nat');
  });
});
