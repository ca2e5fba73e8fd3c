// A stand-in for the API server's exec that runs the command here, in a child process: the probe
// side of the exec stream (the bash command loop) is the real one, only the transport is local.
// Pods can be made to fail the ways a real exec path does:
//   dead:      the handshake is refused at once (every open)
//   failFirst: the first open is refused at once, later ones open (a container just started)
//   hang:      the handshake never completes: the open fails after its timeoutMs, as the real client's does
//   silent:    the stream opens, but the command loop never says ready
import { spawn } from 'node:child_process';
import { ControlError } from '../../../helpers/errors.ts';
import type { ControlClient } from '../../../helpers/http.ts';

export function localExec(options: { dead?: string[]; failFirst?: string[]; hang?: string[]; silent?: string[]; opened?: string[] } = {}): ControlClient {
  const refusedOnce = new Set<string>();
  const client = {
    requests: 0,
    async openExecStream(o: { namespace: string; pod: string; command: string[]; timeoutMs: number; onStdout: (t: string) => void; onEnd: (why: string) => void }) {
      client.requests++;
      options.opened?.push(o.pod);
      const refused = new ControlError(`exec stream into pod ns/${o.pod}: the WebSocket handshake failed (code 1006)`);
      if (options.dead?.includes(o.pod)) throw refused;
      if (options.failFirst?.includes(o.pod) && !refusedOnce.has(o.pod)) {
        refusedOnce.add(o.pod);
        throw refused;
      }
      if (options.hang?.includes(o.pod)) {
        await new Promise((resolve) => setTimeout(resolve, o.timeoutMs));
        throw new ControlError(`exec stream into pod ${o.namespace}/${o.pod}: the WebSocket did not open within ${o.timeoutMs / 1000} s (API server https://local)`, { code: 'TimeoutError' });
      }
      if (options.silent?.includes(o.pod)) return { write: () => true, close: () => undefined, stderr: () => '', kill: () => undefined };
      const child = spawn(o.command[0]!, o.command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => o.onStdout(d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => o.onEnd(`the command in the probe ended (exit ${code})${stderr ? `: ${stderr.trim()}` : ''}`));
      child.on('error', (err) => o.onEnd(err.message));
      return {
        write: (text: string) => child.stdin.write(text),
        close: () => child.stdin.end(),
        stderr: () => stderr,
        kill: () => child.kill('SIGKILL'),
      };
    },
  };
  return client as unknown as ControlClient;
}
