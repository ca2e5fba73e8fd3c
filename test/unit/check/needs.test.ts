// What a run deploys follows from the selected rows (helpers/check/needs.ts): a module none of
// whose rows is selected deploys nothing, and host probes start only when a selected row (or a
// selected module's setup) needs them. The loadbalancer Service is created only when the run
// will wait for it, limited to the runner's own addresses.
import { describe, expect, test } from 'vitest';
import { loadSuiteModules } from '../../../helpers/check/modules.ts';
import { deployNeeds } from '../../../helpers/check/needs.ts';
import { rowsOf } from '../../../helpers/check/select.ts';
import { expectedProbes, plannedTopology, probeRoles } from '../../../helpers/lifecycle.ts';
import type { Node } from '../../../helpers/kube/index.ts';
import { createsService, implementationSignal, notWaitingReason, sourceRangesOf } from '../../../suites/loadbalancer.ts';
import suite from '../../../suites/loadbalancer.ts';
import { familyTopology } from '../dual/topologies.ts';

const modules = await loadSuiteModules();
const topology = await familyTopology('ipv4');
const everyModule = modules.map((m) => m.name).filter((n) => n !== 'network-policy');

describe('deploy only what the selected rows need', () => {
  test('a default run deploys every suite that makes rows, host probes included', () => {
    const needs = deployNeeds(modules, topology, {});
    expect(needs.modules).toEqual(everyModule);
    expect(needs.hostProbes).toBe(true);
  });

  test.each(['ipv6', 'dual'] as const)('a default run on a %s cluster, planned before anything exists, deploys every suite too', async (family) => {
    const run = await familyTopology(family);
    const planned = plannedTopology({ runId: run.runId, namespace: run.namespace, server: run.server, nodes: run.nodes }, {}, run.plans);
    expect(deployNeeds(modules, planned, {}).modules).toEqual(everyModule);
  });

  test('rows of a module the run did not deploy are not run, saying so — never network verdicts against placeholders', async () => {
    const run = await familyTopology('ipv4');
    const hairpin = modules.find((m) => m.name === 'hairpin')!;
    const rows = rowsOf(hairpin, { ...run, undeployed: ['hairpin'] }, {});
    expect(rows.length).toBe(rowsOf(hairpin, run, {}).length);
    expect(rows.every((r) => r.kind === 'static' && r.status === 'not-run' && /hairpin deployed nothing: the run's plan .* selected none of its rows/.test(r.reason))).toBe(true);
    expect(rowsOf(hairpin, run, {}).every((r) => r.kind === 'network')).toBe(true);
  });

  test("--only '^pod-to-pod ': only pod-to-pod, with host probes (its host → pod rows)", () => {
    const needs = deployNeeds(modules, topology, { only: ['^pod-to-pod '] });
    expect(needs.modules).toEqual(['pod-to-pod']);
    expect(needs.hostProbes).toBe(true);
    expect(needs.why).toContain('loadbalancer: no row selected, nothing deployed for it');
  });

  test('pod rows only: no host probe is started', () => {
    const needs = deployNeeds(modules, topology, { only: ['^pod-to-pod .*/probe-a → '] });
    expect(needs).toMatchObject({ modules: ['pod-to-pod'], hostProbes: false });
    expect(expectedProbes(topology.nodes, undefined, probeRoles({ hostProbes: needs.hostProbes })).map((p) => p.role)).not.toContain('host');
    expect(deployNeeds(modules, topology, { only: ['^pod-to-service .*probe-a'] })).toMatchObject({ modules: ['pod-to-service'], hostProbes: false });
  });

  test('rows into a host probe (pod-to-node), from one (ports) or a setup that asks them (pod-to-external; nodeport: each node waits for kube-proxy to answer its NodePort) need host probes', () => {
    for (const only of ['^pod-to-node ', '^ports ', '^pod-to-external .*probe-a', '^nodeport ']) {
      const needs = deployNeeds(modules, topology, { only: [only] });
      expect({ only, hostProbes: needs.hostProbes }).toEqual({ only, hostProbes: true });
    }
  });

  test('--skip of a whole suite keeps it from deploying', () => {
    expect(deployNeeds(modules, topology, { skip: ['^loadbalancer ', '^nodeport '] }).modules).toEqual(everyModule.filter((m) => m !== 'loadbalancer' && m !== 'nodeport'));
  });
});

const node = (name: string, kubeletVersion: string): Node => ({ metadata: { name }, status: { nodeInfo: { kubeletVersion } as NonNullable<Node['status']>['nodeInfo'] } });

describe('the LoadBalancer Service: only when the run waits for it, and only open to the runner', () => {
  test('in-cluster implementations from public signals; none on a plain cluster', () => {
    const plain = { groups: ['apps', 'networking.k8s.io'], nodes: [node('a', 'v1.37.2')], kubeSystemConfigMaps: [] };
    expect(implementationSignal(plain)).toBeUndefined();
    expect(implementationSignal({ ...plain, groups: [...plain.groups, 'metallb.io'] })).toMatch(/^MetalLB/);
    expect(implementationSignal({ ...plain, kubeSystemConfigMaps: [{ metadata: { name: 'kubevip' } }] })).toMatch(/^kube-vip/);
    expect(implementationSignal({ ...plain, nodes: [node('k', 'v1.31.4+k3s1')] })).toMatch(/^k3s ServiceLB/);
  });

  test('created with --lb-timeout or a visible implementation, never otherwise', () => {
    expect(createsService({}, undefined)).toBe(false);
    expect(createsService({}, 0)).toBe(false);
    expect(createsService({}, 120_000)).toBe(true);
    expect(createsService({ implementation: 'MetalLB' }, undefined)).toBe(true);
  });

  test('not created: both rows skipped with the reason naming --lb-timeout, never failed', () => {
    const plan = { service: 'probes-lb', port: 80, addressType: 'InternalIP' as const, nodeAddresses: ['172.28.0.10'], skip: notWaitingReason('probes-lb') };
    const rows = suite.checks(topology, plan, {});
    expect(rows.map((r) => (r.kind === 'static' ? r.status : r.kind))).toEqual(['skipped', 'skipped']);
    expect(rows[0]).toMatchObject({ reason: expect.stringContaining('--lb-timeout') });
  });

  test('loadBalancerSourceRanges: the runner’s own addresses, one host range each, no duplicates', () => {
    expect(sourceRangesOf(['172.28.0.1', '172.28.0.1', undefined, 'fd6b:6e63:6c00::1'])).toEqual(['172.28.0.1/32', 'fd6b:6e63:6c00::1/128']);
    expect(sourceRangesOf([undefined])).toEqual([]);
  });
});
