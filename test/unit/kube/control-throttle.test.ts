// The pod-proxy client (helpers/http.ts) rides out throttling with the same policy as the
// client seam: real undici requests to a loopback stand-in API server.
import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient } from '../../../helpers/http.ts';
import { startFakeApiServer, status, type FakeApiServer } from './fake-api-server.ts';

let api: FakeApiServer | undefined;
let client: ControlClient | undefined;
afterEach(async () => {
  await client?.close();
  await api?.close();
  api = undefined;
  client = undefined;
});

const throttle = { maxRetries: 3, maxWaitMs: 50, maxTotalWaitMs: 200, baseBackoffMs: 10 };
const dial = '/api/v1/namespaces/netconform-x/pods/probe-a-worker-1:8080/proxy/dial?request=hostname&host=10.244.2.5&port=8080&protocol=tcp&tries=1';

describe('ControlClient under API server throttling', () => {
  test("429 (Retry-After: 0) then the probe's answer → the answer, one retry counted", async () => {
    let n = 0;
    api = await startFakeApiServer({ handle: (_req, res) => (n++ === 0 ? status(res, 429, { 'Retry-After': '0' }) : res.writeHead(200).end('{"responses":["probe-a-worker-2"]}')) });
    client = new ControlClient({ server: api.url, headers: {}, tls: {} }, { concurrency: 2, throttle });
    const answer = await client.get(dial, { timeoutMs: 2000, what: 'dial from probe-a-worker-1' });
    expect(answer).toMatchObject({ status: 200, body: '{"responses":["probe-a-worker-2"]}' });
    expect(client.throttled).toEqual({ retries: 1, waitMs: 0, gaveUp: 0 });
    expect(client.requests).toBe(2);
  });

  test('a 503 without Retry-After (the pod proxy cannot reach the pod) is an answer, not a throttle', async () => {
    api = await startFakeApiServer({ handle: (_req, res) => status(res, 503, {}, 'error trying to reach service') });
    client = new ControlClient({ server: api.url, headers: {}, tls: {} }, { concurrency: 2, throttle });
    const answer = await client.get(dial, { timeoutMs: 2000, what: 'dial from probe-a-worker-1' });
    expect(answer.status).toBe(503);
    expect(client.throttled.retries).toBe(0);
    expect(api.seen).toHaveLength(1);
  });
});
