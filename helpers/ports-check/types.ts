// What the one-time setup of the ports suite hands to its rows (plain, structured-clone-able
// data on the Topology): the profile, the detected CNI, the API server's port and each node's
// address and labels. Imports no engine module, so topology.ts can reference it.
import type { NodeAddressType } from '../nodeport/types.ts';
import type { DetectedCni } from '../ports/cni.ts';
import type { Profile } from '../ports/profiles.ts';

export interface PortsNode {
  name: string;
  /** The address checks dial (the node's address of `addressType`). */
  address?: string;
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
}
