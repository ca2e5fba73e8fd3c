// A policy written as YAML reads goes to the API server as written: the client library's
// serializer writes its model's property names, where an ingress rule's `from` is `_from` (a
// reserved word). Passed as `from`, the serializer drops it and the rule admits every source —
// what the network-policy suite's first run on kube-router showed for every ingress rule with peers.
import { describe, expect, test } from 'vitest';
import { ObjectSerializer } from '../../../node_modules/@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { labelPatch, networkPolicyModel } from '../../../helpers/kube/client.ts';

const policy = {
  metadata: { name: 'from-y', namespace: 'x' },
  spec: {
    podSelector: { matchLabels: { pod: 'a' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }, { ipBlock: { cidr: '10.244.0.0/22', except: ['10.244.1.8/32'] } }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
    egress: [{ to: [{ podSelector: {} }], ports: [{ port: 81, endPort: 90 }] }],
    policyTypes: ['Ingress', 'Egress'],
  },
};

describe('networkPolicyModel', () => {
  test('serialized, the policy is the manifest: from, to, ipBlock except, ports', () => {
    expect(ObjectSerializer.serialize(networkPolicyModel(policy), 'V1NetworkPolicy', '')).toEqual(policy);
  });

  test('without it the serializer drops `from` (the rule would admit everyone)', () => {
    expect(ObjectSerializer.serialize(policy, 'V1NetworkPolicy', '').spec.ingress).toEqual([{ ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }]);
  });

  test('label patches: set and remove, keys escaped as JSON Pointer', () => {
    expect(labelPatch({ team: 'blue', 'example.com/x~y': null })).toEqual([
      { op: 'add', path: '/metadata/labels/team', value: 'blue' },
      { op: 'remove', path: '/metadata/labels/example.com~1x~0y' },
    ]);
  });
});
