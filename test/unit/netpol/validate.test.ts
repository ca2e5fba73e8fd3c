// What the API server refuses never becomes a case: the model's validation mirrors it.
import { describe, expect, test } from 'vitest';
import { inIpBlock } from '../../../helpers/netpol/ip-block.ts';
import { matchesSelector } from '../../../helpers/netpol/selectors.ts';
import { policyProblems } from '../../../helpers/netpol/validate.ts';
import { netpol } from './fixtures.ts';

describe('policy validation', () => {
  test('a valid policy has no problems', () => {
    expect(
      policyProblems(
        netpol('x/ok', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80, endPort: 90 }, { port: 'serve-80-tcp' }] }] }),
      ),
    ).toEqual([]);
  });

  test('"ipBlock ... cannot be set with podSelector or namespaceSelector"; a peer must name something', () => {
    expect(policyProblems(netpol('x/p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }))).toEqual([
      'x/p spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector',
    ]);
    expect(policyProblems(netpol('x/p', { podSelector: {}, egress: [{ to: [{}] }] }))).toEqual(['x/p spec.egress[0].to[0]: a peer needs podSelector, namespaceSelector or ipBlock']);
  });

  test('"endPort ... cannot be defined if the port field is not defined or if the port field is defined as a named (string) port"; it must be ≥ port', () => {
    const problems = (port: object) => policyProblems(netpol('x/p', { podSelector: {}, ingress: [{ ports: [port] }] }));
    expect(problems({ endPort: 90 })).toEqual(['x/p spec.ingress[0].ports[0].endPort: only with a numeric port']);
    expect(problems({ port: 'http', endPort: 90 })).toEqual(['x/p spec.ingress[0].ports[0].endPort: only with a numeric port']);
    expect(problems({ port: 90, endPort: 80 })).toEqual(['x/p spec.ingress[0].ports[0].endPort: 80 must be 90-65535']);
    expect(problems({ port: 'Not_A_Name' })).toEqual(['x/p spec.ingress[0].ports[0].port: "Not_A_Name" is not a valid port name']);
    expect(problems({ port: 0 })).toEqual(['x/p spec.ingress[0].ports[0].port: 0 is not 1-65535']);
  });

  test('CIDRs need a prefix length; except entries must lie inside the block, same family', () => {
    const problems = (ipBlock: { cidr: string; except?: string[] }) => policyProblems(netpol('x/p', { podSelector: {}, ingress: [{ from: [{ ipBlock }] }] }));
    expect(problems({ cidr: '10.0.0.1' })).toEqual(['x/p spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.1" is not a CIDR (address/prefix-length)']);
    expect(problems({ cidr: '10.0.0.0/8', except: ['11.0.0.0/8'] })).toEqual(['x/p spec.ingress[0].from[0].ipBlock.except[0]: 11.0.0.0/8 is not inside 10.0.0.0/8']);
    expect(problems({ cidr: '10.0.0.0/8', except: ['fd00::/8'] })).toEqual(['x/p spec.ingress[0].from[0].ipBlock.except[0]: fd00::/8 is not inside 10.0.0.0/8']);
    expect(problems({ cidr: 'fd00::/129' })).toHaveLength(1);
  });

  test('matchExpressions: In/NotIn need values, Exists/DoesNotExist take none', () => {
    expect(
      policyProblems(
        netpol('x/p', {
          podSelector: {
            matchExpressions: [
              { key: 'a', operator: 'In', values: [] },
              { key: 'b', operator: 'Exists', values: ['x'] },
            ],
          },
        }),
      ),
    ).toEqual(['x/p spec.podSelector.matchExpressions[0]: In needs at least one value', 'x/p spec.podSelector.matchExpressions[1]: Exists takes no values']);
  });
});

describe('selectors and blocks', () => {
  test('"An empty label selector matches all objects"; matchLabels and matchExpressions are ANDed', () => {
    expect(matchesSelector({}, {})).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' })).toBe(false);
    expect(matchesSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1', b: '' })).toBe(true);
  });

  test('block edges: network and last address are in, the except edges are out', () => {
    const block = { cidr: '10.0.0.0/24', except: ['10.0.0.128/25'] };
    expect(['10.0.0.0', '10.0.0.127', '10.0.0.128', '10.0.0.255', '10.0.1.0'].map((ip) => inIpBlock(block, ip))).toEqual([true, true, false, false, false]);
    expect(inIpBlock({ cidr: '::/0' }, '10.0.0.1')).toBe(false);
    expect(inIpBlock({ cidr: '::/0' }, 'fd00::1')).toBe(true);
  });
});
