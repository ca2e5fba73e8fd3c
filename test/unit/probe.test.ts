import { describe, expect, test } from 'vitest';
import { ControlError } from '../../helpers/errors.ts';
import type { ControlClient, HttpAnswer } from '../../helpers/http.ts';
import { dialPath, evaluateStaticRow, payloadOf, runCheck } from '../../helpers/probe.ts';
import { podToPodRows, podToServiceRows, type CheckRow } from '../../helpers/rows.ts';
import { fixtureTopology } from './topology-fixture.ts';

const rows = podToPodRows(fixtureTopology()).filter((r): r is CheckRow => r.kind === 'check');
const tcpRow = rows.find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/probe-b 10.244.2.3:8080/tcp')!;
const fullRow = rows.find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/probe-b 10.244.2.3:8080/tcp 20KiB')!;

/** A control client that answers from a script and records the paths it was asked for. */
function fakeControl(answers: Array<HttpAnswer | Error>) {
  const paths: string[] = [];
  const client = {
    async get(path: string) {
      paths.push(path);
      const next = answers.shift();
      if (!next) throw new Error('unexpected request');
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as ControlClient;
  return { client, paths };
}
const ok = (body: object): HttpAnswer => ({ status: 200, body: JSON.stringify(body), elapsedMs: 3 });

describe('runCheck', () => {
  test('builds the pod-proxy URL itself, query string intact', () => {
    const path = dialPath(tcpRow, 'netconform-abc123', 'hostname');
    expect(path.startsWith('/api/v1/namespaces/netconform-abc123/pods/probe-a-lab-worker-1:8080/proxy/dial?')).toBe(true);
    const q = new URLSearchParams(path.split('?')[1]);
    expect(Object.fromEntries(q)).toEqual({ host: '10.244.2.3', port: '8080', protocol: 'http', request: 'hostname', tries: '1' });
  });

  test('a pass records who answered, one attempt', async () => {
    const { client, paths } = fakeControl([ok({ responses: ['probe-b-lab-worker-2'] })]);
    const r = await runCheck(tcpRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r).toMatchObject({ outcome: 'passed', observed: 'REACHABLE', attempts: 1, port: 8080, protocol: 'tcp', suite: 'pod-to-pod' });
    expect(r.properties?.['answered.by']).toBe('probe-b-lab-worker-2');
    expect(paths).toHaveLength(1);
  });

  test('a failure is retried, then reported with source, destination, expected vs observed and attempts', async () => {
    const err = { errors: ['Get "http://10.244.2.3:8080/hostname": dial tcp 10.244.2.3:8080: connect: no route to host'] };
    const { client } = fakeControl([ok(err), ok(err)]);
    const r = await runCheck(tcpRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r.outcome).toBe('failed');
    expect(r.observed).toBe('FILTERED');
    expect(r.attempts).toBe(2);
    expect(r.detail).toContain('lab-worker-1/probe-a-lab-worker-1 (10.244.1.2) → 10.244.2.3:8080/tcp');
    expect(r.detail).toContain('expected REACHABLE');
    expect(r.detail).toContain('no route to host');
  });

  test('a transient loss that passes on retry passes', async () => {
    const { client } = fakeControl([ok({ errors: ['i/o timeout'] }), ok({ responses: ['probe-b-lab-worker-2'] })]);
    const r = await runCheck(tcpRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r).toMatchObject({ outcome: 'passed', attempts: 2 });
  });

  test('the API server failing to proxy is a CONTROL_ERROR ("cannot control probe"), not a network verdict', async () => {
    const { client } = fakeControl([
      { status: 503, body: 'error trying to reach service: dial tcp 10.244.1.2:8080: connect: connection refused', elapsedMs: 2 },
      new ControlError('cannot control probe probe-a-lab-worker-1: no answer within 22 s'),
    ]);
    const r = await runCheck(tcpRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r.outcome).toBe('error');
    expect(r.observed).toBe('CONTROL_ERROR');
    expect(r.reason).toMatch(/cannot control probe probe-a-lab-worker-1/);
  });

  test('full-size rows send and expect the payload back', async () => {
    const payload = payloadOf(20 * 1024);
    const { client, paths } = fakeControl([ok({ responses: [payload] })]);
    const r = await runCheck(fullRow, { control: client, namespace: 'ns', attempts: 1 });
    expect(r.outcome).toBe('passed');
    expect(new URLSearchParams(paths[0]!.split('?')[1]).get('request')).toBe(`echo?msg=${payload}`);
  });

  test('a Service row whose every try went unanswered is not attempted again (its tries were the retries)', async () => {
    const svcRow = podToServiceRows(fixtureTopology()).find((r): r is CheckRow => r.kind === 'check' && r.title === 'lab-worker-1/probe-a → service/probes 10.96.100.7:80/tcp')!;
    const { client, paths } = fakeControl([ok({ errors: Array(6).fill('i/o timeout') }), ok({ responses: ['probe-b-lab-control-plane', 'probe-a-lab-worker-2'] })]);
    const r = await runCheck(svcRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r.outcome).toBe('failed');
    expect(r.observed).toBe('FILTERED');
    expect(r.attempts).toBe(1);
    expect(paths).toHaveLength(1);
  });

  test('Service rows gather backends across attempts before judging "more than one backend"', async () => {
    const svcRow = podToServiceRows(fixtureTopology()).find((r): r is CheckRow => r.kind === 'check' && r.title === 'lab-worker-1/probe-a → service/probes 10.96.100.7:80/tcp')!;
    const { client } = fakeControl([ok({ responses: Array(6).fill('probe-a-lab-worker-2') }), ok({ responses: ['probe-b-lab-control-plane', 'probe-a-lab-worker-2'] })]);
    const r = await runCheck(svcRow, { control: client, namespace: 'ns', attempts: 2 });
    expect(r.outcome).toBe('passed');
  });
});

describe('rows without a probe', () => {
  test('setup rows are errors with the reason; the CIDR row fails when ranges overlap', () => {
    const setup = evaluateStaticRow({ kind: 'setup', suite: 'pod-to-pod', title: 'setup lab-worker-2/probe-a', node: 'lab-worker-2', reason: 'probe never became ready: ImagePullBackOff' });
    expect(setup).toMatchObject({ outcome: 'error', observed: 'NOT_RUN', reason: 'probe never became ready: ImagePullBackOff', properties: { phase: 'setup' } });
    const cidr = evaluateStaticRow({ kind: 'cidr', suite: 'pod-to-service', title: 'cidr', serviceCIDRs: ['10.0.0.0/8'], nodeAddresses: [], podCIDRs: [{ node: 'n1', cidr: '10.244.1.0/24' }] });
    expect(cidr.outcome).toBe('failed');
    expect(cidr.detail).toContain('10.0.0.0/8 contains node n1 pod CIDR 10.244.1.0/24');
  });
});
