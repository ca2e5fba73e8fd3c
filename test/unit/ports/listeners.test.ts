import { describe, expect, test } from 'vitest';
import { listenerManifest, listenerPodName } from '../../../helpers/ports/listeners.ts';

describe('temporary listeners', () => {
  test('porter on the node network, pinned to the target node, answering its name over TCP and UDP on the port, Ready there', () => {
    const pod = listenerManifest({ node: 'lab-worker-1', port: 10255, runId: 'abc123', image: 'mirror.example/agnhost:2.66.1' });
    expect(pod.metadata?.name).toBe('listen-10255-lab-worker-1');
    expect(pod.metadata?.labels).toMatchObject({ 'netconform.io/run-id': 'abc123', 'netconform.io/role': 'port-listener' });
    expect(pod.spec?.hostNetwork).toBe(true);
    const c = pod.spec!.containers[0]!;
    expect(c.command).toEqual(['/bin/sh', '-c', 'trap "exit 0" TERM; /agnhost porter & wait']);
    expect(c.env).toEqual([
      { name: 'SERVE_PORT_10255', value: 'listen-10255-lab-worker-1'.padEnd(64) },
      { name: 'SERVE_UDP_PORT_10255', value: 'listen-10255-lab-worker-1'.padEnd(64) },
    ]);
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
