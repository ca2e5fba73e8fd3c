// The runner's own requests (exec streams into the probes, log reads) with credentials that stop
// working mid-run (issue 20): a kubeconfig whose user is an exec credential plugin (a real
// script, run by the client library as kubectl runs it), a loopback stand-in for the API server
// that accepts one minted token at a time. A refused exec handshake or GET has the kubeconfig
// read again — the plugin runs anew — and is repeated once; a token past the plugin's
// expirationTimestamp is replaced before use; a token never shows up in an error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient } from '../../../helpers/http.ts';
import { Kube, loadKubeConfig } from '../../../helpers/kube/index.ts';
import { ProbeStreams } from '../../../helpers/probes/stream.ts';
import { binaryFrame, startFakeApiServer, status, type FakeApiServer, type UpgradeHandler } from './fake-api-server.ts';

const dirs: string[] = [];
const clients: ControlClient[] = [];
let api: FakeApiServer | undefined;
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await api?.close();
  api = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The exec plugin: mints token "minted-<n>" (n counts its runs, in a file), expiring per its arguments (seconds from now, by run; none: no expiry). */
const PLUGIN = `
const fs = require('node:fs');
const [counter, ...expiries] = process.argv.slice(2);
const n = Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0) + 1;
fs.writeFileSync(counter, String(n));
const seconds = expiries[Math.min(n, expiries.length) - 1];
const status = { token: 'minted-' + n, ...(seconds === undefined ? {} : { expirationTimestamp: new Date(Date.now() + Number(seconds) * 1000).toISOString() }) };
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));
`;

/**
 * A stand-in accepting only `accepted.token` on every request and exec handshake, and a
 * kubeconfig whose user is the plugin (its tokens expire in an hour unless `expiries` says
 * otherwise: without an expirationTimestamp the client library runs the plugin for every call).
 * undici's WebSocket sends a handshake refused with 401 a second time itself: a refused
 * handshake shows as two upgrades.
 */
async function setUp(accepted: { token: string }, expiries: number[] = [3600], opened?: UpgradeHandler) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knc-exec-plugin-'));
  dirs.push(dir);
  const counter = path.join(dir, 'runs');
  fs.writeFileSync(path.join(dir, 'plugin.cjs'), PLUGIN);
  const shown: string[] = [];
  const tokenOf = (headers: Record<string, string | string[] | undefined>) => String(headers.authorization ?? '').replace(/^Bearer /, '');
  api = await startFakeApiServer({
    holdHandshake: true,
    handle: (req, res) => {
      shown.push(`${req.method} ${req.url?.split('?')[0]} ${tokenOf(req.headers)}`);
      if (tokenOf(req.headers) !== accepted.token) return status(res, 401, {}, 'Unauthorized');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('a log line');
    },
    upgrade: (socket, accept, req) => {
      shown.push(`UPGRADE ${tokenOf(req.headers)}`);
      if (tokenOf(req.headers) !== accepted.token) return socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      accept();
      opened?.(socket, accept, req);
    },
  });
  const config = fs
    .readFileSync(api.kubeconfig, 'utf8')
    .replace(
      'users: [{name: fake, user: {token: not-a-secret}}]',
      `users: [{name: fake, user: {exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, command: ${JSON.stringify(process.execPath)}, args: ${JSON.stringify([path.join(dir, 'plugin.cjs'), counter, ...expiries.map(String)])}}}}]`,
    );
  fs.writeFileSync(api.kubeconfig, config);
  const kube = new Kube(loadKubeConfig({ kubeconfig: api.kubeconfig }));
  const client = new ControlClient(kube.credentials, { concurrency: 4 });
  clients.push(client);
  return { kube, client, shown, pluginRuns: () => Number(fs.readFileSync(counter, 'utf8')) };
}

const streamOptions = { namespace: 'netconform-x', pod: 'probe-worker-1', container: 'probe', command: ['/bin/bash', '-c', 'cat'], timeoutMs: 3000, onStdout: () => undefined, onEnd: () => undefined };

describe('exec streams and GETs with an exec credential plugin whose token stops working', () => {
  test('a stream opened after the first token was revoked: the handshake is refused, the plugin runs again, the stream opens with the new token', async () => {
    const accepted = { token: 'minted-1' };
    const { client, shown, pluginRuns } = await setUp(accepted);
    const first = await client.openExecStream(streamOptions);
    // The token is revoked (its bound Secret deleted): only the next one minted works.
    accepted.token = 'minted-2';
    const second = await client.openExecStream(streamOptions);
    expect(first.write('still open\n')).toBe(true);
    expect(pluginRuns()).toBe(2);
    // The refused handshake, the check of its credentials, then one handshake with the new token.
    expect(shown[0]).toBe('UPGRADE minted-1');
    expect(shown.slice(1)).toEqual([...shown.slice(1, -2).map(() => 'UPGRADE minted-1'), 'GET /version minted-1', 'UPGRADE minted-2']);
    expect(client.execStreams).toBe(3);
    // Read again in memory: no token went into this process's environment.
    expect(Object.values(process.env).join('\n')).not.toMatch(/minted-/);
    first.close();
    second.close();
  });

  test('a GET answered 401: read again, repeated once with the new token', async () => {
    const accepted = { token: 'minted-1' };
    const { client, shown, pluginRuns } = await setUp(accepted);
    const get = () => client.get('/api/v1/namespaces/netconform-x/pods/backend/log', { timeoutMs: 3000, what: 'the backend log' });
    expect((await get()).status).toBe(200);
    accepted.token = 'minted-2';
    const answer = await get();
    expect(answer).toMatchObject({ status: 200, body: 'a log line' });
    expect(pluginRuns()).toBe(2);
    expect(shown.slice(1)).toEqual(['GET /api/v1/namespaces/netconform-x/pods/backend/log minted-1', 'GET /api/v1/namespaces/netconform-x/pods/backend/log minted-2']);
  });

  test('rejected again after reading again: one repeat only, the error says the credentials were rejected and shows no token', async () => {
    const { client, shown, pluginRuns } = await setUp({ token: 'never-minted' });
    const failure = await client.openExecStream(streamOptions).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failure?.message).toMatch(/rejected the credentials \(401 Unauthorized\)/);
    expect(failure?.message).not.toMatch(/minted/);
    expect(pluginRuns()).toBe(2);
    expect([...new Set(shown)]).toEqual(['UPGRADE minted-1', 'GET /version minted-1', 'UPGRADE minted-2', 'GET /version minted-2']);
  });

  test('a token past its expirationTimestamp is replaced before use, without a refused request', async () => {
    const accepted = { token: 'minted-1' };
    // The first token expires at once (-1 s), the next ones in an hour.
    const { client, shown, pluginRuns } = await setUp(accepted, [-1, 3600]);
    accepted.token = 'minted-2';
    const first = await client.openExecStream(streamOptions);
    const second = await client.openExecStream(streamOptions);
    expect(shown).toEqual(['UPGRADE minted-2', 'UPGRADE minted-2']);
    expect(pluginRuns()).toBe(2);
    first.close();
    second.close();
  });

  test('the typed calls (setup, cleanup) and the exec streams share one reload: a 401 on either runs the plugin once', async () => {
    const accepted = { token: 'minted-1' };
    const { kube, client, pluginRuns } = await setUp(accepted);
    (await client.openExecStream(streamOptions)).close();
    accepted.token = 'minted-2';
    await expect(kube.readPod('netconform-x', 'probe-worker-1')).resolves.toBeDefined();
    (await client.openExecStream(streamOptions)).close();
    expect(pluginRuns()).toBe(2);
    expect(kube.credentialReloads).toBe(1);
  });

  test("a probe's command stream whose handshake is refused: the command runs on the stream opened with the new token, no control error", async () => {
    const accepted = { token: 'minted-1' };
    // The probe's side: the command loop says it is ready, then answers each command line "<id> <command>" with "<id> 0 <µs> ok".
    const probe: UpgradeHandler = (socket) => {
      socket.write(binaryFrame(Buffer.from('\u0001ready 5.2.21\n')));
      socket.on('data', (frame: Buffer) => {
        const id = /^(\S+) /.exec(unmasked(frame).subarray(1).toString('utf8'))?.[1];
        if (id) socket.write(binaryFrame(Buffer.from(`\u0001${id} 0 1200 ok\n`)));
      });
    };
    const { client, pluginRuns } = await setUp(accepted, [3600], probe);
    // The first token is revoked before the stream is opened.
    await client.credentials.current();
    accepted.token = 'minted-2';
    const streams = new ProbeStreams(client, 'netconform-x');
    expect(await streams.run('probe-worker-1', 'echo ok', { timeoutMs: 3000 })).toMatchObject({ exitCode: 0, output: 'ok' });
    expect(pluginRuns()).toBe(2);
    streams.close();
  });
});

/** The payload of one short masked WebSocket frame (client → server). */
function unmasked(frame: Buffer): Buffer {
  const length = frame[1]! & 0x7f;
  const mask = frame.subarray(2, 6);
  return Buffer.from(frame.subarray(6, 6 + length).map((b, i) => b ^ mask[i % 4]!));
}
