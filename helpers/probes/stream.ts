// The command channel into a probe: one long-lived exec stream per probe (API server → kubelet →
// container runtime), never the pod network under test. A small bash loop in the probe reads one
// command a line from stdin, runs each in the background and writes one result line per command:
//   runner → probe:  <id> <command>\n
//   probe → runner:  <id> <exit code> <elapsed µs> <output, escaped: \\ \n \r>\n
// so a probe's many checks cost one API request and one process start for the loop, not one
// exec each (an exec is 145-277 ms of API server, kubelet, containerd and runc work). The
// commands are bash's own sockets and the image's tools (socat, dig: probes/client.ts). One stream
// per probe for the whole run (probes/stream-broker.ts).
// A stream that cannot be opened, or that ends with commands in flight, fails those commands
// as control errors naming why; the next command opens a new stream.
import pLimit from 'p-limit';
import { ControlError, messageOf } from '../errors.ts';
import type { ControlClient, ExecStream } from '../http.ts';

/** The probe containers' name (manifests/*.yaml), the exec target. */
export const PROBE_CONTAINER = 'probe';

/**
 * The loop that runs in the probe (bash: $EPOCHREALTIME for the timings, ${var//…} for the
 * escaping). Each result is cut to 900 bytes before escaping and written with one printf, so a
 * result line stays under the pipe's atomic write size and the C library's stdout buffer
 * (1 KiB in musl): lines of concurrent commands do not interleave.
 */
export const STREAM_LOOP = [
  // The pipe no one writes, on which a command sleeps with `read -t` instead of starting a
  // process (the preflight's wait for the probe's ports: probes/preflight.ts): made once here,
  // for every command; bash opens the pipe's /dev/fd entry read-write. The clients' process
  // substitutions (probes/http-client.ts) need /dev/fd too.
  'exec {KNCS}<> <(:) || { echo "no pipe for the waits: bash could not open /dev/fd"; exit 1; }',
  'printf \'ready %s\\n\' "$BASH_VERSION"',
  'set -o pipefail',
  'while IFS= read -r line; do',
  '  [ -n "$line" ] || continue',
  '  {',
  '    id=${line%% *}; c=${line#* }',
  '    t0=${EPOCHREALTIME/./}',
  '    o=$(eval "$c" 2>&1 </dev/null); r=$?',
  '    t1=${EPOCHREALTIME/./}',
  "    o=${o:0:900}; o=${o//\\\\/\\\\\\\\}; o=${o//$'\\n'/\\\\n}; o=${o//$'\\r'/\\\\r}",
  '    printf \'%s %s %s %s\\n\' "$id" "$r" "$((t1 - t0))" "$o"',
  '  } &',
  'done',
  'wait',
].join('\n');

/** The exec command line: the loop above in the image's bash. */
export const STREAM_COMMAND = ['/bin/bash', '-c', STREAM_LOOP];

export interface CommandOut {
  exitCode: number;
  /** stdout and stderr together, unescaped. */
  output: string;
  /** Wall time of the command inside the probe, in milliseconds. */
  ms: number;
}

/** A result line → its id and what the command did (undefined: not a result line). */
export function parseResultLine(line: string): { id: string; out: CommandOut } | undefined {
  const m = /^(\S+) (\d+) (-?\d+) ?(.*)$/s.exec(line);
  if (!m) return undefined;
  const [, id = '', code = '', us = '', escaped = ''] = m;
  return { id, out: { exitCode: Number(code), output: unescapeOutput(escaped), ms: Math.max(0, Number(us)) / 1000 } };
}

export function unescapeOutput(escaped: string): string {
  return escaped.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

/** Bash's $EPOCHREALTIME needs bash ≥ 5.0; an image without it cannot carry checks. */
export function readyProblem(line: string): string | undefined {
  const version = /^ready (\d+)\./.exec(line);
  if (!version) return `the probe's bash did not start the command loop (it said: ${line.slice(0, 200) || '(nothing)'})`;
  return Number(version[1]) >= 5 ? undefined : `the probe image's bash is older than 5.0 (${line.slice(6, 40)}); kube-netconform needs bash ≥ 5 in the probe image`;
}

/**
 * Commands in flight per probe: each is a bash subshell and its tries' subshells (a Service's tries
 * at once up to 6), within the probe's memory limit (256 MiB). 16
 * was not enough for one suite worker's stream: under no-forwarding the pod-to-pod rows of the
 * cut-off node's probes waited their turn (46 s at 8; 26 s at 16, routed lab). Every suite shares
 * the one stream of a probe now (three workers had one each): 32.
 */
export const COMMANDS_PER_PROBE = 32;
/** How long a stream may take to open and its command loop to say ready (ProbeStreams' openTimeoutMs). */
export const OPEN_TIMEOUT_MS = 20_000;
/** A stream that failed to open is not tried again for this long: its checks fail at once with the reason. */
const REOPEN_AFTER_MS = 5_000;

interface Pending {
  resolve: (out: CommandOut) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class Stream {
  private exec?: ExecStream;
  private opening?: Promise<ExecStream>;
  private buffer = '';
  private readonly pending = new Map<string, Pending>();
  private failedUntil = 0;
  private failure = '';
  private ready?: { resolve: () => void; reject: (err: Error) => void };
  /** Streams this probe needed (1 unless one ended under it). */
  opened = 0;

  constructor(
    private readonly control: ControlClient,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly options: { openTimeoutMs: number },
  ) {}

  private open(): Promise<ExecStream> {
    if (this.exec) return Promise.resolve(this.exec);
    if (Date.now() < this.failedUntil) return Promise.reject(new ControlError(this.failure));
    this.opening ??= (async () => {
      this.opened++;
      const ready = new Promise<void>((resolve, reject) => (this.ready = { resolve, reject }));
      ready.catch(() => undefined);
      try {
        const exec = await this.control.openExecStream({
          namespace: this.namespace,
          pod: this.pod,
          container: PROBE_CONTAINER,
          command: STREAM_COMMAND,
          timeoutMs: this.options.openTimeoutMs,
          onStdout: (text) => this.receive(text),
          onEnd: (why) => this.ended(why),
        });
        const timer = setTimeout(
          () => this.ready?.reject(new ControlError(`the command loop in probe ${this.pod} did not say ready within ${this.options.openTimeoutMs / 1000} s`)),
          this.options.openTimeoutMs,
        );
        try {
          await ready;
        } finally {
          clearTimeout(timer);
        }
        this.exec = exec;
        return exec;
      } catch (err) {
        this.failure = `cannot run commands in probe ${this.pod} through the API server's exec: ${messageOf(err)}`;
        this.failedUntil = Date.now() + REOPEN_AFTER_MS;
        throw new ControlError(this.failure, { cause: err });
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  private receive(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (this.ready && line.startsWith('ready')) {
        const problem = readyProblem(line);
        if (problem) this.ready.reject(new ControlError(problem));
        else this.ready.resolve();
        this.ready = undefined;
        continue;
      }
      const parsed = parseResultLine(line);
      const waiting = parsed && this.pending.get(parsed.id);
      if (!parsed || !waiting) continue;
      this.pending.delete(parsed.id);
      clearTimeout(waiting.timer);
      waiting.resolve(parsed.out);
    }
  }

  private ended(why: string): void {
    this.exec = undefined;
    this.buffer = '';
    const reason = `the exec stream into probe ${this.pod} ended: ${why}`;
    this.ready?.reject(new ControlError(/bash|not found|no such file/i.test(why) ? `${reason} (kube-netconform runs its checks with the probe image's /bin/bash)` : reason));
    this.ready = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ControlError(`${reason}, with the command in flight`));
      this.pending.delete(id);
    }
  }

  async run(command: string, timeoutMs: number): Promise<CommandOut> {
    if (command.includes('\n')) throw new Error(`a probe command is one line: ${command.slice(0, 80)}`);
    const exec = await this.open();
    const id = (nextId++).toString(36);
    return new Promise<CommandOut>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ControlError(`no result from probe ${this.pod} within ${timeoutMs / 1000} s for: ${command.slice(0, 160)}`, { code: 'TimeoutError' }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!exec.write(`${id} ${command}\n`)) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new ControlError(`the exec stream into probe ${this.pod} ended before the command was sent`));
      }
    });
  }

  close(): void {
    this.exec?.close();
  }
}

let nextId = 1;

/** What runs commands in the probes: ProbeStreams (the exec streams themselves), or a suite worker's ChannelStreams (probes/stream-broker.ts) that sends them to the CLI thread's. */
export interface CommandStreams {
  /** The API server client beside the commands (for reads such as a backend's log). */
  readonly control: ControlClient;
  /** Run one command in `pod`; never throws: a control failure comes back as `{failed}` with the reason. */
  run(pod: string, command: string, options: { timeoutMs: number }): Promise<CommandOut | { failed: string }>;
  /** Exec streams opened so far. */
  streamsOpened(): number;
  close(): void;
}

/**
 * The exec streams of the run (the CLI's thread, probes/stream-broker.ts), or of a tool or test:
 * one per probe, opened on first use, at most COMMANDS_PER_PROBE commands in flight in each.
 */
export class ProbeStreams implements CommandStreams {
  private readonly streams = new Map<string, { stream: Stream; limit: ReturnType<typeof pLimit> }>();
  /** Streams opened by entries since forgotten. */
  private forgotten = 0;

  constructor(
    /** The API server client the streams ride on (also for reads beside them, e.g. a backend's log). */
    readonly control: ControlClient,
    private readonly namespace: string,
    /** openTimeoutMs: how long each stream may take to open and say ready (default OPEN_TIMEOUT_MS). */
    private readonly options: { openTimeoutMs?: number } = {},
  ) {}

  /** Run one command in `pod`; never throws: a control failure comes back as `{failed}` with the reason. */
  async run(pod: string, command: string, options: { timeoutMs: number }): Promise<CommandOut | { failed: string }> {
    let entry = this.streams.get(pod);
    if (!entry) {
      entry = { stream: new Stream(this.control, this.namespace, pod, { openTimeoutMs: this.options.openTimeoutMs ?? OPEN_TIMEOUT_MS }), limit: pLimit(COMMANDS_PER_PROBE) };
      this.streams.set(pod, entry);
    }
    const { stream, limit } = entry;
    try {
      return await limit(() => stream.run(command, options.timeoutMs));
    } catch (err) {
      return { failed: messageOf(err) };
    }
  }

  /** Exec streams opened so far (one per probe used, more if one ended under its commands). */
  streamsOpened(): number {
    let n = this.forgotten;
    for (const { stream } of this.streams.values()) n += stream.opened;
    return n;
  }

  /** Close and drop `pod`'s stream: its next command opens a new one at once (a failed open is otherwise remembered for a few seconds). */
  forget(pod: string): void {
    const entry = this.streams.get(pod);
    if (!entry) return;
    this.forgotten += entry.stream.opened;
    entry.stream.close();
    this.streams.delete(pod);
  }

  close(): void {
    for (const { stream } of this.streams.values()) stream.close();
    this.streams.clear();
  }
}
