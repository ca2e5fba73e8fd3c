// ControlClient.exec (undici's WebSocket, the pod-proxy transport) over a real WebSocket to a
// loopback stand-in for the API server: whatever ends the wait (status, timeout, a handshake
// that completes too late), the socket is let go.
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient, execExitCode } from '../../../helpers/http.ts';
import { Kube, loadKubeConfig } from '../../../helpers/kube/index.ts';
import { binaryFrame, clientLetsGo, startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { within } from './within.ts';

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const execOptions = { namespace: 'netconform-x', pod: 'hostnet-worker-1', container: 'netexec', command: ['/agnhost', 'connect', '10.0.0.12:10250'] };

const clients: ControlClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
async function clientFor(kubeconfig: string): Promise<ControlClient> {
  const client = new ControlClient(await new Kube(loadKubeConfig({ kubeconfig })).controlTransport(), { concurrency: 1 });
  clients.push(client);
  return client;
}

describe('exec exit codes from the status message', () => {
  test('Success is 0, a NonZeroExitCode failure its ExitCode cause, anything else 1', () => {
    expect(execExitCode(JSON.stringify({ status: 'Success' }))).toBe(0);
    expect(execExitCode(JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } }))).toBe(137);
    expect(execExitCode(JSON.stringify({ status: 'Failure', message: 'container not found' }))).toBe(1);
    expect(execExitCode('not json')).toBe(1);
  });
});

describe('ControlClient.exec', () => {
  test('status message → exit code and output, and the socket is closed', async () => {
    const socket = deferred<Duplex>();
    api = await startFakeApiServer({
      upgrade: (s) => {
        socket.resolve(s);
        s.write(binaryFrame(Buffer.concat([Buffer.from([1]), Buffer.from('connected\n')])));
        s.write(binaryFrame(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ status: 'Success' }))])));
      },
    });
    const kube = await clientFor(api.kubeconfig);
    const result = kube.exec({ ...execOptions, timeoutMs: 5000 });
    const letGo = clientLetsGo(await within(socket.promise, 3000, 'the exec WebSocket upgrade'));
    await expect(result).resolves.toEqual({ exitCode: 0, stdout: 'connected\n', stderr: '' });
    await within(letGo, 3000, 'the client to close the exec WebSocket after the status');
    expect(api.seen).toEqual(['UPGRADE /api/v1/namespaces/netconform-x/pods/hostnet-worker-1/exec']);
  });

  test('no status before the timeout → rejects naming the pod, and the socket is closed (not left open for the run)', async () => {
    const socket = deferred<Duplex>();
    api = await startFakeApiServer({ upgrade: (s) => socket.resolve(s) }); // answers the handshake, then nothing
    const kube = await clientFor(api.kubeconfig);
    const result = kube.exec({ ...execOptions, timeoutMs: 300 });
    const letGo = clientLetsGo(await within(socket.promise, 3000, 'the exec WebSocket upgrade'));
    await expect(result).rejects.toThrow('exec in pod hostnet-worker-1 did not finish within 0.3 s');
    await within(letGo, 2000, 'the client to close the exec WebSocket after its timeout');
  });

  test('a handshake answered only after the timeout → the late socket is closed at once', async () => {
    const upgraded = deferred<{ socket: Duplex; accept: () => void }>();
    api = await startFakeApiServer({ holdHandshake: true, upgrade: (socket, accept) => upgraded.resolve({ socket, accept }) });
    const kube = await clientFor(api.kubeconfig);
    const result = kube.exec({ ...execOptions, timeoutMs: 300 });
    const { socket, accept } = await within(upgraded.promise, 3000, 'the exec WebSocket upgrade request');
    await expect(result).rejects.toThrow('did not finish within 0.3 s');
    const letGo = clientLetsGo(socket);
    accept();
    await within(letGo, 2000, 'the client to close a WebSocket that opened after the exec timed out');
  });

  test('the stream closes without a status → exit code -1 with the reason', async () => {
    api = await startFakeApiServer({ upgrade: (s) => s.end() });
    const kube = await clientFor(api.kubeconfig);
    await expect(kube.exec({ ...execOptions, timeoutMs: 5000 })).resolves.toEqual({ exitCode: -1, stdout: '', stderr: 'exec stream closed without a status' });
  });
});
