// One exec stream per probe for the whole run. The CLI's thread opens each probe's stream at the
// control preflight and keeps it: the modules' settle hooks use it there, and the suite workers
// (vitest worker threads of the same process) send their commands to it over an in-process
// BroadcastChannel instead of opening streams of their own. Before, each suite file of each
// worker opened its own stream into every probe it used, and the preflight and three settle hooks
// theirs: 37 execs for 9 probes, each ~90 ms of the cluster's CPU (API server, kubelet,
// containerd, a runc start) measured on the lab. Messages carry a pod name, a command line and
// its output; no credential.
import { randomUUID } from 'node:crypto';
import { threadId, BroadcastChannel } from 'node:worker_threads';
import { ControlClient } from '../http.ts';
import type { Kube } from '../kube/index.ts';
import { ProbeStreams, type CommandOut, type CommandStreams } from './stream.ts';

interface Ask {
  id: string;
  pod: string;
  command: string;
  timeoutMs: number;
}

interface Answer {
  answer: string;
  out?: CommandOut;
  failed?: string;
}

/** How long past a command's own deadline a worker waits for the CLI's thread before it gives the command up. */
const ANSWER_SLACK_MS = 10_000;

/** Serve `streams` to the suite workers until closed; `name` goes to the workers with the hand-over. */
export function serveStreams(streams: ProbeStreams, name = `kube-netconform.streams.${randomUUID()}`): { name: string; close(): void } {
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event) => {
    const ask = (event as { data: Ask | Answer }).data as Ask;
    if (typeof ask?.id !== 'string' || typeof ask.command !== 'string') return;
    void streams.run(ask.pod, ask.command, { timeoutMs: ask.timeoutMs }).then((out) => {
      channel.postMessage('failed' in out ? { answer: ask.id, failed: out.failed } : { answer: ask.id, out });
    });
  };
  return { name, close: () => channel.close() };
}

let channelId = 0;

/**
 * A worker's side: the same commands as ProbeStreams, carried by the CLI thread's streams.
 * `control` is the worker's own API client, for reads beside the commands (a backend's log).
 */
export class ChannelStreams implements CommandStreams {
  private readonly channel: BroadcastChannel;
  private readonly pending = new Map<string, { resolve: (a: CommandOut | { failed: string }) => void; timer: NodeJS.Timeout }>();
  private readonly prefix = `${threadId}.${++channelId}.`;
  private next = 0;

  constructor(
    name: string,
    readonly control: ControlClient,
  ) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      const a = (event as { data: Ask | Answer }).data as Answer;
      const waiting = typeof a?.answer === 'string' ? this.pending.get(a.answer) : undefined;
      if (!waiting) return; // another worker's answer
      this.pending.delete(a.answer);
      clearTimeout(waiting.timer);
      waiting.resolve(a.out ?? { failed: a.failed ?? 'no answer from the CLI thread' });
    };
    // A worker with nothing in flight must not be kept alive by its listener.
    (this.channel as unknown as { unref?: () => void }).unref?.();
  }

  run(pod: string, command: string, options: { timeoutMs: number }): Promise<CommandOut | { failed: string }> {
    const id = `${this.prefix}${this.next++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ failed: `no result from probe ${pod} within ${(options.timeoutMs + ANSWER_SLACK_MS) / 1000} s: the CLI thread that holds its exec stream did not answer` });
      }, options.timeoutMs + ANSWER_SLACK_MS);
      this.pending.set(id, { resolve, timer });
      this.channel.postMessage({ id, pod, command, timeoutMs: options.timeoutMs } satisfies Ask);
    });
  }

  /** The CLI's thread opens the streams: none here. */
  streamsOpened(): number {
    return 0;
  }

  close(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ failed: 'the suite ended with the command in flight' });
      this.pending.delete(id);
    }
    this.channel.close();
  }
}

/**
 * Run `use` with the run's streams when the settle context carries them; otherwise (a test, a
 * tool) with streams of its own, closed after it and their requests counted as setup.
 */
export async function withRunStreams<T>(
  ctx: { kube: Pick<Kube, 'credentials' | 'requests'>; deployment: { namespace: string }; streams?: ProbeStreams },
  concurrency: number,
  use: (streams: CommandStreams) => Promise<T>,
): Promise<T> {
  if (ctx.streams) return use(ctx.streams);
  const control = new ControlClient(ctx.kube.credentials, { concurrency });
  const streams = new ProbeStreams(control, ctx.deployment.namespace);
  try {
    return await use(streams);
  } finally {
    streams.close();
    ctx.kube.requests += control.requests;
    await control.close();
  }
}
