// pod-to-pod — MUST: the pod network is flat.
// Every probe pod reaches every other probe pod's IP over TCP (HTTP to netexec) and UDP, on the
// same node and across nodes, both directions as separate rows; every node's host network
// reaches a pod on every node; each answer comes from the intended pod (hostname matches); and
// a full-size payload (larger than one MTU) makes the trip intact, so an MTU black hole fails.
import { describe } from 'vitest';
import { podToPodRows } from '../helpers/rows.ts';
import { checkRows, planFromSetup } from './check-rows.ts';

const plan = planFromSetup();

describe('pod-to-pod', () => {
  checkRows(podToPodRows(plan.topology, plan.selection), plan);
});
