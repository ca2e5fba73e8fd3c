// A stand-in API server on loopback for the client seam's tests: real HTTP (and a real
// WebSocket handshake for exec) through the real client library, with answers the test scripts.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import path from 'node:path';

export interface FakeApiServer {
  url: string;
  /** Path of a kubeconfig whose current context points at this server. */
  kubeconfig: string;
  /** Request lines seen, e.g. "GET /api/v1/nodes". */
  seen: string[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/**
 * Called with the raw socket of a WebSocket upgrade; `accept` answers the handshake (called
 * before the handler unless `holdHandshake`, so a test can answer it when it chooses).
 */
export type UpgradeHandler = (socket: Duplex, accept: () => void, req: http.IncomingMessage) => void;

export async function startFakeApiServer(options: { handle?: Handler; upgrade?: UpgradeHandler; holdHandshake?: boolean }): Promise<FakeApiServer> {
  const seen: string[] = [];
  const sockets = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`);
    if (options.handle) options.handle(req, res);
    else res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Duplex) => {
    seen.push(`UPGRADE ${req.url?.split('?')[0]}`);
    sockets.add(socket);
    const key = String(req.headers['sec-websocket-key']);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const protocol = offered.includes('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : offered[0];
    const answer = () => {
      socket.write(
        ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', ''].join(
          '\r\n',
        ),
      );
    };
    if (!options.holdHandshake) answer();
    options.upgrade?.(socket, answer, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knc-fake-api-'));
  const kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fake',
      'clusters: [{name: fake, cluster: {server: "' + url + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: fake, user: {token: not-a-secret}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One unmasked binary WebSocket frame (server → client), payload < 126 bytes. */
export function binaryFrame(payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error('frame helper handles short payloads only');
  return Buffer.concat([Buffer.from([0x82, payload.length]), payload]);
}

/** Resolves when the client ends the WebSocket: a close frame (opcode 8) or the TCP connection closing. */
export function clientLetsGo(socket: Duplex): Promise<'close-frame' | 'connection-closed'> {
  return new Promise((resolve) => {
    socket.on('data', (d: Buffer) => {
      if ((d[0]! & 0x0f) === 0x8) resolve('close-frame');
    });
    // The HTTP server's sockets allow half-open connections: the client's FIN arrives as 'end'.
    socket.on('end', () => resolve('connection-closed'));
    socket.on('close', () => resolve('connection-closed'));
  });
}

export function status(res: http.ServerResponse, code: number, headers: Record<string, string> = {}, message = `HTTP ${code}`): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }));
}
