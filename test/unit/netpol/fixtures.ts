// Small worlds for the model's tests: namespaces and pods written in one line each.
import type { ContainerPort, NetworkPolicy, Pod, World } from '../../../helpers/netpol/types.ts';

export const WEB: Record<string, ContainerPort> = { http: { port: 80, protocol: 'TCP' }, dns: { port: 53, protocol: 'UDP' } };

export function pod(key: string, labels: Record<string, string>, opts: { ips?: string[]; node?: string; namedPorts?: Record<string, ContainerPort> } = {}): Pod {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name, labels, ips: opts.ips ?? [], node: opts.node ?? 'n1', namedPorts: opts.namedPorts ?? WEB };
}

export function netpol(key: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  const [namespace = '', name = ''] = key.split('/');
  return { metadata: { namespace, name }, spec };
}

/** Namespaces x and y (labelled ns=…), pods x/a, x/b, y/a, y/b (labelled pod=…), with IPv4 and IPv6 addresses. */
export function world(policies: NetworkPolicy[] = [], extraPods: Pod[] = []): World {
  return {
    namespaces: [
      { name: 'x', labels: { ns: 'x', 'kubernetes.io/metadata.name': 'x' } },
      { name: 'y', labels: { ns: 'y', 'kubernetes.io/metadata.name': 'y', env: 'prod' } },
    ],
    pods: [
      pod('x/a', { pod: 'a' }, { ips: ['10.0.1.1', 'fd00:1::1'], node: 'n1' }),
      pod('x/b', { pod: 'b' }, { ips: ['10.0.1.2', 'fd00:1::2'], node: 'n1' }),
      pod('y/a', { pod: 'a' }, { ips: ['10.0.2.1', 'fd00:2::1'], node: 'n2' }),
      pod('y/b', { pod: 'b', tier: 'db' }, { ips: ['10.0.2.2', 'fd00:2::2'], node: 'n2' }),
      ...extraPods,
    ],
    policies,
  };
}
