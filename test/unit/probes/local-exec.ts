// A stand-in for the API server's exec that runs the command here, in a child process: the probe
// side of the exec stream (the bash command loop) is the real one, only the transport is local.
import { spawn } from 'node:child_process';
import { ControlError } from '../../../helpers/errors.ts';
import type { ControlClient } from '../../../helpers/http.ts';

export function localExec(options: { dead?: string[]; opened?: string[] } = {}): ControlClient {
  const client = {
    requests: 0,
    async openExecStream(o: { pod: string; command: string[]; onStdout: (t: string) => void; onEnd: (why: string) => void }) {
      client.requests++;
      options.opened?.push(o.pod);
      if (options.dead?.includes(o.pod)) throw new ControlError(`exec stream into pod ns/${o.pod}: the WebSocket handshake failed (code 1006)`);
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
