// Can the runner reach the node network at all? Asked once per run at the nodeport suite's
// settle: NodePorts are checked from where kube-netconform runs, and a runner that is not on the
// node network must say so once instead of failing every NodePort row.
import net from 'node:net';
import { bracketed } from '../ip.ts';

/**
 * Can the runner reach the node network at all? A node address counts as reached when a TCP
 * connect to any of `ports` gets an answer (connected or refused). Run once per suite.
 */
export async function runnerReaches(options: { addresses: string[]; ports: number[]; timeoutMs: number }): Promise<{ reached: string[]; failures: string[] }> {
  const tryConnect = (address: string, port: number) =>
    new Promise<string | true>((resolve) => {
      const socket = net.connect({ host: address, port, timeout: options.timeoutMs });
      const done = (value: string | true) => {
        socket.destroy();
        resolve(value);
      };
      socket.on('connect', () => done(true));
      socket.on('timeout', () => done(`${bracketed(address)}:${port} no answer within ${options.timeoutMs / 1000} s`));
      socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? true : `${bracketed(address)}:${port} ${err.code ?? err.message}`));
    });
  const reached: string[] = [];
  const failures: string[] = [];
  await Promise.all(
    options.addresses.map(async (address) => {
      const results = await Promise.all(options.ports.map((p) => tryConnect(address, p)));
      if (results.includes(true)) reached.push(address);
      else failures.push(...results.filter((r): r is string => r !== true));
    }),
  );
  return { reached, failures };
}
