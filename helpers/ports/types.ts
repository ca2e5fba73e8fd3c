// The ports suite's plan (plain, structured-clone-able data): the profile, the detected CNI, the
// API server's port, each node's address and labels (prepare), and how each must-be-open port
// will be judged (settle: an existing listener, a temporary one, or none could be placed).
import type { NodeAddressType } from '../nodeport/types.ts';
import type { DetectedCni } from './cni.ts';
import type { Profile } from './profiles.ts';

export interface PortsNode {
  name: string;
  /** The address checks dial (the node's address of `addressType`). */
  address?: string;
  /** Every address of `addressType`, the first of each family (dual-stack: IPv4 and IPv6); absent: just `address`. */
  addresses?: string[];
  labels: Record<string, string>;
}

export interface PortsPlan {
  profile: Profile;
  cni: DetectedCni[];
  /** Port of the `kubernetes` Service's endpoints (the API server's real port). */
  apiServerPort?: number;
  /** Where the port was read, or why it could not be. */
  apiServerPortSource: string;
  addressType: NodeAddressType;
  nodes: PortsNode[];
  /** For temporary listeners: the probe image and pull secret of this run. */
  image: string;
  imagePullSecret?: string;
  /** Found at settle, keyed by listenerKey(node, port, protocol). */
  listeners?: Record<string, ListenerVerdict>;
}

/** How a must-be-open port on one node is judged (helpers/ports/verdicts.ts VERDICT_SOURCES). */
export interface ListenerVerdict {
  source: 'existing-listener' | 'temporary-listener' | 'no-listener' | 'direct';
  note?: string;
}

export function listenerKey(node: string, port: number, protocol: string): string {
  return `${node}:${port}/${protocol}`;
}
