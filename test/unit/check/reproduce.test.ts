import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { reproduceCommand, shellQuote } from '../../../helpers/check/reproduce.ts';
import type { NetworkCheck } from '../../../helpers/check/types.ts';

const base: Omit<NetworkCheck, 'drive' | 'answer' | 'protocol' | 'port'> = {
  kind: 'network',
  suite: 'pod-to-pod',
  title: 't',
  from: { kind: 'pod', node: 'w1', pod: 'probe-a-w1', ip: '10.244.1.5', family: 'ipv4' },
  to: { kind: 'pod', node: 'w2', pod: 'probe-b-w2', ip: '10.244.2.6', family: 'ipv4' },
  family: 'ipv4',
  expect: 'REACHABLE',
  expectReason: 'flat',
};
const ctx = { namespace: 'netconform-abc123', tries: 3, probes: [], podPort: 8080, kubectl: { kubeconfig: '/tmp/my kube/config' } };

describe('reproduction commands: the same request, pasted by hand', () => {
  test("dial: kubectl get --raw on the pod proxy, with the run's tries and the user's kubeconfig", () => {
    const cmd = reproduceCommand(
      {
        ...base,
        protocol: 'udp',
        port: 8081,
        answer: { kind: 'hostname', expected: ['probe-b-w2'] },
        drive: { via: 'dial', control: { pod: 'probe-a-w1', port: 8080 }, target: { host: '10.244.2.6', port: 8081 }, tries: 1 },
      },
      ctx,
    );
    expect(cmd).toBe(
      "kubectl --kubeconfig '/tmp/my kube/config' get --raw '/api/v1/namespaces/netconform-abc123/pods/probe-a-w1:8080/proxy/dial?host=10.244.2.6&port=8081&protocol=udp&request=hostname&tries=3'",
    );
  });

  test('a full-size echo generates its payload in the shell instead of printing 20 KiB', () => {
    const cmd = reproduceCommand(
      {
        ...base,
        protocol: 'tcp',
        port: 8080,
        payload: 'full',
        answer: { kind: 'echo', bytes: 20480 },
        drive: { via: 'dial', control: { pod: 'probe-a-w1', port: 8080 }, target: { host: '10.244.2.6', port: 8080 }, tries: 1 },
      },
      { ...ctx, tries: 1, kubectl: {} },
    );
    expect(cmd).toBe(
      `kubectl get --raw "/api/v1/namespaces/netconform-abc123/pods/probe-a-w1:8080/proxy/dial?host=10.244.2.6&port=8080&protocol=http&request=echo%3Fmsg%3D$(head -c 20480 /dev/zero | tr '\\0' a)&tries=1"`,
    );
    // What the shell makes of it: the request carries exactly 20480 bytes of payload.
    const expanded = execFileSync('bash', ['-c', `printf '%s' ${cmd.slice(cmd.indexOf('"'))}`], { encoding: 'utf8' });
    expect(/msg%3D(a+)&/.exec(expanded)?.[1]?.length).toBe(20480);
  });

  test('connect: kubectl exec into the host probe running agnhost connect; outside: curl and nc from the runner', () => {
    const connect = reproduceCommand(
      { ...base, protocol: 'tcp', port: 10250, answer: { kind: 'connect' }, drive: { via: 'connect', control: { pod: 'hostnet-w1', port: 18080 }, target: { host: '172.28.0.12', port: 10250 } } },
      { ...ctx, kubectl: {} },
    );
    expect(connect).toBe('kubectl exec -n netconform-abc123 hostnet-w1 -c netexec -- /agnhost connect 172.28.0.12:10250 --timeout 3s; echo "exit $?"');
    const tcp = reproduceCommand(
      { ...base, protocol: 'tcp', port: 30000, answer: { kind: 'hostname', expected: ['b'] }, drive: { via: 'outside', target: { host: '172.28.0.12', port: 30000 }, timeoutMs: 3000 } },
      ctx,
    );
    expect(tcp).toBe('curl -sS -m 3 http://172.28.0.12:30000/hostname; echo " (exit $?)"');
    const udp = reproduceCommand(
      {
        ...base,
        protocol: 'udp',
        port: 30001,
        answer: { kind: 'clientip', expected: '172.28.0.1', client: 'runner' },
        drive: { via: 'outside', target: { host: '172.28.0.12', port: 30001 }, timeoutMs: 3000 },
      },
      ctx,
    );
    expect(udp).toBe('echo clientip | nc -u -w 3 172.28.0.12 30001');
  });

  test('round trip: the pod dial between the two nodes the verdict came from', () => {
    const probes = [
      { role: 'probe-a' as const, name: 'probe-a-w1', node: 'w1', ip: '10.244.1.5', ready: true },
      { role: 'probe-a' as const, name: 'probe-a-w2', node: 'w2', ip: '10.244.2.5', ready: true },
    ];
    const cmd = reproduceCommand({ ...base, protocol: 'udp', port: 8472, answer: { kind: 'connect' }, drive: { via: 'round-trip', fromNode: 'w1', toNode: 'w2' } }, { ...ctx, probes, kubectl: {} });
    expect(cmd).toContain("pods/probe-a-w1:8080/proxy/dial?host=10.244.2.5&port=8080&protocol=http&request=hostname&tries=1'");
  });

  test('shell quoting leaves plain words alone and quotes the rest safely', () => {
    expect(shellQuote('abc-1.2:3')).toBe('abc-1.2:3');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
