// Fresh credentials for the suite workers. The suites run in vitest worker threads of the CLI's
// process and get the control transport in memory at the start (plan.ts); when it expires or the
// API server rejects it, a worker asks the CLI's thread, which holds the one reload-aware source
// (Kube.credentials: the kubeconfig read again, exec plugins run anew) over a BroadcastChannel
// — in memory, within the process, never an environment variable or a file — and gets the
// transport of the fresh credentials back. A worker asks once per rejected generation however
// many of its requests saw the 401; the CLI's thread reloads once per generation whichever
// worker asked. Messages name no credential except the transport in an answer.
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { messageOf } from './errors.ts';
import { expired, type CredentialSource } from './kube/credentials.ts';
import type { ControlTransport } from './kube/index.ts';
import { serializeControlTransport, type SerializedControlTransport } from './plan.ts';

/** What a worker asks: the transport in hand has expired, or the API server rejected it. */
interface Ask {
  ask: 'expired' | 'rejected';
  id: string;
  generation: number;
}

interface Answer {
  id: string;
  transport?: SerializedControlTransport;
  problem?: string;
}

/** How long a worker waits for the CLI's thread to read the credentials again (an exec plugin runs). */
export const ANSWER_TIMEOUT_MS = 60_000;

/** The source the CLI's thread holds (Kube.credentials). */
export interface ServedSource {
  current(): Promise<ControlTransport>;
  renewFrom(generation: number): Promise<ControlTransport | undefined>;
}

/** Answer the workers' asks from `source` until closed; `name` goes to the workers with the hand-over. */
export function serveCredentials(source: ServedSource, name = `kube-netconform.credentials.${randomUUID()}`): { name: string; close(): void } {
  const channel = new BroadcastChannel(name);
  channel.unref();
  channel.onmessage = (event) => {
    const ask = (event as { data: Ask | Answer }).data;
    if (!('ask' in ask)) return;
    const fresh = ask.ask === 'expired' ? source.current() : source.renewFrom(ask.generation);
    fresh.then(
      (t) => channel.postMessage(t ? { id: ask.id, transport: serializeControlTransport(t) } : { id: ask.id, problem: 'the credentials cannot be read again (no kubeconfig source)' }),
      (err: unknown) => channel.postMessage({ id: ask.id, problem: `reading the credentials again failed: ${messageOf(err)}` }),
    );
  };
  return { name, close: () => channel.close() };
}

/**
 * A worker's credentials: the transport handed over, then the ones the CLI's thread answers
 * with. Without an answer (the thread is gone, reading failed), the transport in hand stays.
 */
export class ChannelCredentials implements CredentialSource {
  private held: ControlTransport;
  private readonly channel: BroadcastChannel;
  private readonly waiting = new Map<string, (a: Answer) => void>();
  private asking?: { generation: number; answer: Promise<ControlTransport | undefined> };

  constructor(
    handed: ControlTransport,
    name: string,
    private readonly options: { timeoutMs?: number; now?: () => number } = {},
  ) {
    this.held = handed;
    this.channel = new BroadcastChannel(name);
    this.channel.unref();
    this.channel.onmessage = (event) => {
      const answer = (event as { data: Ask | Answer }).data;
      if ('ask' in answer) return;
      this.waiting.get(answer.id)?.(answer);
    };
  }

  async current(): Promise<ControlTransport> {
    if (!expired(this.held, (this.options.now ?? Date.now)())) return this.held;
    return (await this.ask('expired', this.held.generation ?? 0)) ?? this.held;
  }

  async renew(rejected: ControlTransport): Promise<ControlTransport | undefined> {
    if ((this.held.generation ?? 0) > (rejected.generation ?? 0)) return this.held;
    return this.ask('rejected', rejected.generation ?? 0);
  }

  /** One ask in flight per generation: the requests that saw the same 401 share its answer. */
  private ask(kind: Ask['ask'], generation: number): Promise<ControlTransport | undefined> {
    if (this.asking?.generation === generation) return this.asking.answer;
    const id = randomUUID();
    const answer = new Promise<ControlTransport | undefined>((resolve) => {
      const timer = setTimeout(() => done({ id, problem: 'no answer' }), this.options.timeoutMs ?? ANSWER_TIMEOUT_MS);
      const done = (a: Answer) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (this.asking?.answer === answer) this.asking = undefined;
        if (a.transport && (a.transport.generation ?? 0) >= (this.held.generation ?? 0)) this.held = a.transport;
        resolve(a.transport);
      };
      this.waiting.set(id, done);
    });
    this.asking = { generation, answer };
    this.channel.postMessage({ ask: kind, id, generation } satisfies Ask);
    return answer;
  }

  close(): void {
    this.channel.close();
  }
}
