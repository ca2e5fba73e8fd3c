// The nodeport suite's plan (plain, structured-clone-able data): what suites/nodeport.ts read
// at prepare, created at deploy and found at settle, and what its rows are built from.
import type { Protocol } from '../check/types.ts';

/** Which node address the runner dials (`--node-address-type`). */
export type NodeAddressType = 'InternalIP' | 'ExternalIP';
export const NODE_ADDRESS_TYPES: readonly NodeAddressType[] = ['InternalIP', 'ExternalIP'];

export type TrafficPolicy = 'Cluster' | 'Local';

/** Where in the NodePort range a port was put: the range's ends and its middle, or left to the API server. */
export type RangePosition = 'low' | 'middle' | 'high' | 'auto';

export interface NodePortRange {
  low: number;
  high: number;
  /** 'cluster': read from the API server's own validation message; 'default': assumed 30000-32767. */
  source: 'cluster' | 'default';
}

export interface NodePortPort {
  nodePort: number;
  protocol: Protocol;
  position: RangePosition;
}

export interface NodePortService {
  name: string;
  policy: TrafficPolicy;
  ports: NodePortPort[];
}

export interface NodePortTarget {
  node: string;
  /** The node's address of `addressType`; absent (with `reason`) when the node has none. */
  address?: string;
  reason?: string;
}

export interface NodePortTopology {
  addressType: NodeAddressType;
  range: NodePortRange;
  /** The single netexec pod behind both Services, pinned to one node. */
  backend: { pod: string; node: string; ready: boolean; problem?: string };
  services: NodePortService[];
  targets: NodePortTarget[];
  /** How the ports were chosen, e.g. "30000 is taken by default/web: using 30001". */
  notes: string[];
  /** Setup failed: every row becomes an error with this reason. */
  error?: string;
  /** Found at settle: can the runner reach the node network, and its own address toward each node. */
  runner?: { reached: boolean; detail: string; addresses: Record<string, string> };
}
