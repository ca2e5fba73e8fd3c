// pod-to-service — MUST: Service VIPs are intercepted on every node.
// From the pods on every node and from every node's host network, a ClusterIP Service over
// the probe pods answers over TCP and UDP; every answer comes from one of its real backends and
// repeated requests reach more than one; full-size payloads pass too. Every pod reaches the API
// server through the `kubernetes` Service VIP (a TCP connection is enough). The Service CIDR
// overlaps no node address and no pod CIDR.
import { describe } from 'vitest';
import { podToServiceRows } from '../helpers/rows.ts';
import { checkRows, planFromSetup } from './check-rows.ts';

const plan = planFromSetup();

describe('pod-to-service', () => {
  checkRows(podToServiceRows(plan.topology, plan.selection), plan);
});
