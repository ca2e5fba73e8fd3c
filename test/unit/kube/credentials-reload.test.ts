// Credentials that stay valid (issue 20, first part): when the API server answers 401 the client
// seam reads the kubeconfig again from its source — a rotated token, or an exec credential plugin
// run anew — and repeats the request once; the control transport is resolved again at its next
// use. Real client-node requests to a loopback stand-in that accepts one token at a time.
import fs from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { Kube, loadKubeConfig } from '../../../helpers/kube/index.ts';
import { startFakeApiServer, status, type FakeApiServer } from './fake-api-server.ts';

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const nodeList = JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'worker-1' } }] });

/** A stand-in that accepts only `valid.token` and records the tokens it was shown. */
async function acceptingOnly(valid: { token: string }) {
  const shown: string[] = [];
  api = await startFakeApiServer({
    handle: (req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      shown.push(token);
      return token === valid.token ? res.writeHead(200, { 'content-type': 'application/json' }).end(nodeList) : status(res, 401, {}, 'Unauthorized');
    },
  });
  return { api, shown };
}

describe('credentials read again on 401', () => {
  test('a token rotated in the kubeconfig: the first request is rejected, the config is read again, the request repeated once', async () => {
    const valid = { token: 'not-a-secret' };
    const { api, shown } = await acceptingOnly(valid);
    const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }));
    expect((await kube.listNodes()).length).toBe(1);
    const before = await kube.controlTransport();
    // The token is rotated: the server takes only the new one, and the file now holds it.
    valid.token = 'rotated-token';
    fs.writeFileSync(api.kubeconfig, fs.readFileSync(api.kubeconfig, 'utf8').replace('token: not-a-secret', 'token: rotated-token'));
    expect((await kube.listNodes()).length).toBe(1);
    expect(shown).toEqual(['not-a-secret', 'not-a-secret', 'rotated-token']);
    expect(kube.credentialReloads).toBe(1);
    expect(before.headers.Authorization).toBe('Bearer not-a-secret');
    expect((await kube.controlTransport()).headers.Authorization).toBe('Bearer rotated-token');
  });

  test('still rejected after reading again: one repeat only, then the error says the credentials were rejected', async () => {
    const { api, shown } = await acceptingOnly({ token: 'something-else' });
    const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }));
    await expect(kube.listNodes()).rejects.toThrow(/rejected the credentials/);
    expect(shown).toHaveLength(2);
    expect(kube.credentialReloads).toBe(1);
  });
});
