// The runner-side I/O of the outside driver (the nodeport suite's) against servers on loopback (the only address
// besides lab node IPs the runner may send to).
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runnerAddressFor, tcpAsk, udpAsk } from '../../../helpers/check/drivers/outside.ts';
import { runnerReaches } from '../../../helpers/nodeport/reach.ts';

let httpServer: http.Server;
let udpServer: dgram.Socket;
let httpPort = 0;
let udpPort = 0;
let closedPort = 0;

beforeAll(async () => {
  httpServer = http.createServer((req, res) => res.end(req.url === '/clientip' ? `${req.socket.remoteAddress}:${req.socket.remotePort}` : 'nodeport-backend'));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  httpPort = (httpServer.address() as net.AddressInfo).port;
  udpServer = dgram.createSocket('udp4');
  udpServer.on('message', (msg, from) => udpServer.send(msg.toString().trim() === 'hostname' ? 'nodeport-backend' : `${from.address}:${from.port}`, from.port, from.address));
  await new Promise<void>((resolve) => udpServer.bind(0, '127.0.0.1', resolve));
  udpPort = udpServer.address().port;
  // A port nobody listens on: bind, read the number, close.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(() => {
  httpServer.close();
  udpServer.close();
});

describe('runner-side probing', () => {
  test('TCP: HTTP GET answers; a closed port is a refused event', async () => {
    expect(await tcpAsk({ address: '127.0.0.1', port: httpPort, path: '/hostname', timeoutMs: 2000 })).toEqual({ kind: 'answer', text: 'nodeport-backend' });
    expect(await tcpAsk({ address: '127.0.0.1', port: closedPort, path: '/hostname', timeoutMs: 2000 })).toMatchObject({ kind: 'refused' });
  });

  // The runner's own deadline (outsideGet): a server that accepts and never answers times out at
  // it. The case that deadline was written for — a dropped SYN, which undici let run 0.5 s past
  // the deadline — cannot be made on loopback from one process; the lab's must-not-answer
  // NodePort rows show it (2.0 s, was 2.5 s).
  test('TCP: a server that accepts and never answers is a timeout at the deadline', async () => {
    const silent = net.createServer(() => undefined); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = performance.now();
      const event = await tcpAsk({ address: '127.0.0.1', port: (silent.address() as net.AddressInfo).port, path: '/hostname', timeoutMs: 600 });
      const took = performance.now() - started;
      expect(event).toMatchObject({ kind: 'timeout', text: expect.stringContaining('no answer within 0.6 s') });
      expect(took).toBeGreaterThanOrEqual(590);
      expect(took).toBeLessThan(900);
    } finally {
      silent.close();
    }
  });

  test('UDP: a datagram gets its answer; ICMP port unreachable is a refused event', async () => {
    expect(await udpAsk({ address: '127.0.0.1', port: udpPort, request: 'hostname', timeoutMs: 2000 })).toEqual({ kind: 'answer', text: 'nodeport-backend' });
    expect(await udpAsk({ address: '127.0.0.1', port: closedPort, request: 'hostname', timeoutMs: 2000 })).toMatchObject({ kind: 'refused' });
  });

  test('the source address toward a target, and reachability (a refusal counts as reached)', async () => {
    expect(await runnerAddressFor('127.0.0.1')).toBe('127.0.0.1');
    expect(await runnerReaches({ addresses: ['127.0.0.1'], ports: [closedPort], timeoutMs: 1000 })).toEqual({ reached: ['127.0.0.1'], failures: [] });
  });
});
