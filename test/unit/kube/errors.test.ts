// Error translation: what the user reads when the API server says no. (Tests may build the
// client library's exception; the product imports the library only in helpers/kube/.)
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { SetupError } from '../../../helpers/errors.ts';
import { translateApiError } from '../../../helpers/kube/index.ts';

const access = { server: 'https://172.28.0.10:6443', context: 'lab' };
const apiError = (code: number, message: string) => new ApiException(code, `HTTP-Code: ${code}`, JSON.stringify({ kind: 'Status', message }), {});

describe('translateApiError', () => {
  test('401: expired credentials, names the server and context', () => {
    const e = translateApiError(apiError(401, 'Unauthorized'), { verb: 'list', resource: 'nodes' }, access);
    expect(e).toBeInstanceOf(SetupError);
    expect(e.message).toMatch(/https:\/\/172\.28\.0\.10:6443 rejected the credentials of context "lab" \(401 Unauthorized\)/);
    expect(e.message).toMatch(/expired/);
  });

  test('403: names verb and resource and points at rbac.yaml', () => {
    const e = translateApiError(
      apiError(403, 'pods is forbidden: User "ci" cannot create resource "pods" in API group "" in the namespace "netconform-x"'),
      { verb: 'create', resource: 'pods', namespace: 'netconform-x', name: 'probe-a-n1' },
      access,
    );
    expect(e.message).toMatch(/^forbidden: cannot create pods "probe-a-n1" in namespace netconform-x/);
    expect(e.message).toContain('manifests/rbac.yaml');
    expect((e as SetupError).exitCode).toBe(3);
  });

  test('PodSecurity rejection names the namespace label that allows the host-network probe', () => {
    const e = translateApiError(
      apiError(403, 'pods "hostnet-n1" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)'),
      { verb: 'create', resource: 'pods', namespace: 'team-a', name: 'hostnet-n1' },
      access,
    );
    expect(e.message).toMatch(/^Pod Security admission in namespace team-a rejected the probe pod "hostnet-n1"/);
    expect(e.message).toContain('pod-security.kubernetes.io/enforce=privileged');
  });

  test('connection refused names the server', () => {
    const err = Object.assign(new Error('request to https://172.28.0.10:6443/api failed'), { code: 'ECONNREFUSED' });
    const e = translateApiError(err, { verb: 'get', resource: 'version' }, access);
    expect(e.message).toMatch(/^cannot reach the API server https:\/\/172\.28\.0\.10:6443 \(context "lab"\) to get version: ECONNREFUSED/);
  });
});
