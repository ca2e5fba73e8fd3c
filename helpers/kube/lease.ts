// A run's heartbeat Lease as kube-netconform reads and writes it (helpers/runs/heartbeat.ts), and
// its translation to and from the client library's model.
import * as k8s from '@kubernetes/client-node';

/** A Lease as kube-netconform reads and writes it: a run's heartbeat. */
export interface LeaseInfo {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  /** Who holds it; absent: released (the run ended). */
  holder?: string;
  renewTime?: Date;
  durationS?: number;
  createdAt?: Date;
}

export function leaseBody(lease: LeaseInfo): k8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: lease.name, labels: lease.labels },
    spec: {
      ...(lease.holder ? { holderIdentity: lease.holder } : {}),
      ...(lease.durationS ? { leaseDurationSeconds: lease.durationS } : {}),
      ...(lease.renewTime ? { renewTime: new k8s.V1MicroTime(lease.renewTime.getTime()) } : {}),
    },
  };
}

export function leaseInfo(l: k8s.V1Lease): LeaseInfo {
  return {
    name: l.metadata?.name ?? '',
    namespace: l.metadata?.namespace,
    labels: l.metadata?.labels ?? {},
    ...(l.spec?.holderIdentity ? { holder: l.spec.holderIdentity } : {}),
    ...(l.spec?.renewTime ? { renewTime: new Date(l.spec.renewTime) } : {}),
    ...(l.spec?.leaseDurationSeconds ? { durationS: l.spec.leaseDurationSeconds } : {}),
    ...(l.metadata?.creationTimestamp ? { createdAt: new Date(l.metadata.creationTimestamp) } : {}),
  };
}
