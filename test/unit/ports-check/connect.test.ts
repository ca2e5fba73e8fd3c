import { describe, expect, test } from 'vitest';
import { connectCommand, isControlFailure, verdictOfDial } from '../../../helpers/ports-check/connect.ts';
import { listenerManifest, listenerPodName } from '../../../helpers/ports-check/listeners.ts';

describe('connect through the probe', () => {
  test('agnhost connect argv: no shell, explicit timeout, UDP flag only for UDP', () => {
    expect(connectCommand({ host: '172.28.0.11', port: 10250, protocol: 'tcp' })).toEqual(['/agnhost', 'connect', '172.28.0.11:10250', '--timeout', '3s']);
    expect(connectCommand({ host: '172.28.0.11', port: 30000, protocol: 'udp' }).slice(-2)).toEqual(['--protocol', 'udp']);
  });

  test("exec statuses that are not agnhost's verdict are control failures (OOM-killed 137, exit 1 with nothing on stderr)", () => {
    expect(isControlFailure({ exitCode: 0, stderr: '' })).toBe(false);
    expect(isControlFailure({ exitCode: 1, stderr: 'REFUSED\n' })).toBe(false);
    expect(isControlFailure({ exitCode: 137, stderr: '' })).toBe(true);
    expect(isControlFailure({ exitCode: 1, stderr: '' })).toBe(true);
    expect(isControlFailure({ exitCode: -1, stderr: 'exec stream closed without a status' })).toBe(true);
  });

  test('pod-proxy fallback: netexec /dial answers map to open / refused / filtered', () => {
    expect(verdictOfDial({ responses: ['nodeport-backend'] }).verdict).toBe('open');
    expect(verdictOfDial({ errors: ['Get "http://172.28.0.11:10250/hostname": net/http: HTTP/1.x transport connection broken: malformed HTTP response'] }).verdict).toBe('open');
    expect(verdictOfDial({ errors: ['dial tcp 172.28.0.10:2379: connect: connection refused'] }).verdict).toBe('refused');
    expect(verdictOfDial({ errors: ['dial tcp 172.28.0.12:10250: i/o timeout'] }).verdict).toBe('filtered');
    expect(verdictOfDial({}).verdict).toBe('filtered');
  });
});

describe('temporary listeners', () => {
  test('netexec on the node network, pinned to the target node, TCP and UDP on the port, Ready via /healthz there', () => {
    const pod = listenerManifest({ node: 'lab-worker-1', port: 10255, runId: 'abc123', image: 'mirror.example/agnhost:2.66.1' });
    expect(pod.metadata?.name).toBe('listen-10255-lab-worker-1');
    expect(pod.metadata?.labels).toMatchObject({ 'netconform.io/run-id': 'abc123', 'netconform.io/role': 'port-listener' });
    expect(pod.spec?.hostNetwork).toBe(true);
    const c = pod.spec!.containers[0]!;
    expect(c.args).toEqual(['netexec', '--http-port=10255', '--udp-port=10255']);
    expect(c.image).toBe('mirror.example/agnhost:2.66.1');
    expect(c.readinessProbe?.httpGet?.port).toBe(10255);
    expect(pod.spec?.securityContext?.runAsUser).toBe(65534);
    expect(JSON.stringify(pod.spec?.affinity)).toContain('lab-worker-1');
  });

  test('a port below 1024 runs as root with only NET_BIND_SERVICE', () => {
    const pod = listenerManifest({ node: 'lab-control-plane', port: 443, runId: 'abc123', image: 'x' });
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0 });
    expect(pod.spec!.containers[0]!.securityContext?.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
  });

  test('names stay within 63 characters', () => {
    expect(listenerPodName('a'.repeat(80), 32767).length).toBeLessThanOrEqual(63);
  });
});
