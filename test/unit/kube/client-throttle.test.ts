// The client seam rides out API server throttling: real client-node requests to a loopback
// stand-in that answers 429 / 503 the way API Priority and Fairness and a restarting server do.
import { afterEach, describe, expect, test } from 'vitest';
import { Kube, loadKubeConfig } from '../../../helpers/kube/index.ts';
import { startFakeApiServer, status, type FakeApiServer } from './fake-api-server.ts';

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const nodeList = JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'worker-1' } }] });
/** Fast bounds for the tests (the defaults wait up to 30 s). */
const throttle = { maxRetries: 3, maxWaitMs: 50, maxTotalWaitMs: 200, baseBackoffMs: 10 };

describe('Kube under API server throttling', () => {
  test('429 twice (Retry-After: 0), then the list → the nodes, 2 retries counted, 3 requests', async () => {
    let n = 0;
    api = await startFakeApiServer({
      handle: (_req, res) =>
        n++ < 2 ? status(res, 429, { 'Retry-After': '0' }, 'too many requests, please try again later') : res.writeHead(200, { 'content-type': 'application/json' }).end(nodeList),
    });
    const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }), { throttle });
    const nodes = await kube.listNodes();
    expect(nodes.map((x) => x.metadata?.name)).toEqual(['worker-1']);
    expect(kube.throttled).toEqual({ retries: 2, waitMs: 0, gaveUp: 0 });
    expect(kube.requests).toBe(3);
    expect(api.seen).toEqual(['GET /api/v1/nodes', 'GET /api/v1/nodes', 'GET /api/v1/nodes']);
  });

  test('503 with Retry-After on a list is retried; on a create it is not', async () => {
    let lists = 0;
    api = await startFakeApiServer({
      handle: (req, res) => {
        if (req.method === 'POST') return status(res, 503, { 'Retry-After': '0' }, 'the server is shutting down');
        return lists++ === 0 ? status(res, 503, { 'Retry-After': '0' }) : res.writeHead(200, { 'content-type': 'application/json' }).end(nodeList);
      },
    });
    const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }), { throttle });
    await expect(kube.listNodes()).resolves.toHaveLength(1);
    await expect(kube.createPod('netconform-x', { metadata: { name: 'probe-a-worker-1' } })).rejects.toThrow(
      /could not create pods "probe-a-worker-1" in namespace netconform-x on http:\/\/127\.0\.0\.1:\d+: HTTP 503: the server is shutting down/,
    );
    expect(api.seen.filter((s) => s.startsWith('POST'))).toHaveLength(1);
    expect(kube.throttled.retries).toBe(1);
  });

  test('still throttled when the bounds run out → the translated 429, counted as given up', async () => {
    api = await startFakeApiServer({ handle: (_req, res) => status(res, 429, {}, 'too many requests, please try again later') });
    const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }), { throttle });
    await expect(kube.listNodes()).rejects.toThrow(/HTTP 429: too many requests/);
    expect(api.seen).toHaveLength(throttle.maxRetries + 1);
    expect(kube.throttled).toMatchObject({ retries: 3, gaveUp: 1 });
  });
});
