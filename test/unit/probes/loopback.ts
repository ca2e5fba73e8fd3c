// Loopback servers for the probe clients' unit tests: a TCP server or UDP socket on a free port,
// and a port nothing listens on. Shared by client.test.ts and lookup.test.ts.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type net from 'node:net';

/** Listen on a free loopback port; the port. */
export async function listenLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Bind a UDP socket to a free port of `address` (loopback by default); the port. */
export async function bindLoopback(socket: dgram.Socket, address = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return socket.address().port;
}

/** A port nothing listens on, TCP or UDP: bound, then closed (a refused connect, an ICMP port unreachable). */
export async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  const port = await bindLoopback(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
