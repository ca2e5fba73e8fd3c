// The server outside the cluster for pod-to-external: the runner itself listens, for the length of
// one run, on its own address toward the nodes, TCP and UDP on one port: `/clientip` (HTTP) and
// `clientip` (UDP) with the client address it saw ("ip:port"), `/hostname` / `hostname` with its
// own name. UDP answers are padded to the probes' fixed answer length (probes/answers.ts), so a
// probe's UDP client knows when the answer is whole.
// It binds that one address only (never a wildcard) and is closed at teardown.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ANSWER_BYTES } from './probes/answers.ts';

export const RUNNER_HOSTNAME = 'kube-netconform-runner';

export interface ExternalServer {
  address: string;
  port: number;
  /** How many requests it answered (TCP + UDP): a run can say its server was used. */
  answered(): number;
  close(): Promise<void>;
}

const hostPort = (ip: string, port: number) => (net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);

function answerOf(request: string, client: string): string | undefined {
  const r = request.trim().replace(/^\//, '');
  if (r === 'clientip') return client;
  if (r === 'hostname') return RUNNER_HOSTNAME;
  return undefined;
}

function listenTcp(server: http.Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindUdp(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Start the server on `address`: a free TCP port, and UDP on the same number (a few tries when that one is taken). */
export async function startExternalServer(address: string): Promise<ExternalServer> {
  let count = 0;
  for (let attempt = 0; ; attempt++) {
    const tcp = http.createServer((req, res) => {
      const body = answerOf(req.url ?? '', hostPort(req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0));
      count++;
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain', connection: 'close' });
      res.end(body ?? 'not found');
    });
    const port = await listenTcp(tcp, address, 0);
    const udp = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4' });
    try {
      await bindUdp(udp, address, port);
    } catch (err) {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (attempt < 5) continue;
      throw new Error(`could not bind UDP ${hostPort(address, port)} next to TCP: ${(err as Error).message}`);
    }
    udp.on('message', (msg, rinfo) => {
      const body = answerOf(msg.toString(), hostPort(rinfo.address, rinfo.port));
      if (body === undefined) return;
      count++;
      udp.send(body.padEnd(ANSWER_BYTES, ' '), rinfo.port, rinfo.address);
    });
    udp.on('error', () => undefined);
    return {
      address,
      port,
      answered: () => count,
      close: async () => {
        tcp.closeAllConnections();
        await Promise.all([new Promise<void>((resolve) => tcp.close(() => resolve())), new Promise<void>((resolve) => udp.close(() => resolve()))]);
      },
    };
  }
}
