// Terminal manners, decided in one place. On a terminal: one progress line that updates in place
// (counts and elapsed time), and colour. Anywhere else (CI logs, pipes, files): plain lines, one
// per message, no escape codes. Colour never when NO_COLOR is set (no-color.org) or TERM=dumb.
// Colour comes from node's util.styleText and line rewriting from node:readline; no escape codes
// are written by hand here.
import readline from 'node:readline';
import { styleText } from 'node:util';

export interface StreamFacts {
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export function factsOf(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): StreamFacts {
  return { isTTY: Boolean(stream.isTTY), env };
}

/** Colour: a terminal that can show it, and nobody asked for none (NO_COLOR set to anything non-empty). */
export function colorEnabled(facts: StreamFacts): boolean {
  return facts.isTTY && !facts.env['NO_COLOR'] && facts.env['TERM'] !== 'dumb';
}

/** A progress line rewritten in place: only on a terminal that can move its cursor. */
export function liveProgress(facts: StreamFacts): boolean {
  return facts.isTTY && facts.env['TERM'] !== 'dumb';
}

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';
export type Paint = (text: string, style: Style) => string;

/** styleText with our decision, not its own guess about which stream the text goes to. */
export function painter(color: boolean): Paint {
  return color ? (text, style) => styleText(style, text, { validateStream: false }) : (text) => text;
}

/** "850 ms", "12.3 s", "2m05s": elapsed time as people read it. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Live: status() rewrites one line ("probes ready: 5/9 … · 4.2 s"), a ticker keeps the elapsed
 * time moving during waits, note() prints a lasting line above it. Plain: status() and note()
 * both print a line, exactly as before there was a live mode.
 */
export class Progress {
  private current = '';
  private shown = false;
  private ticker: NodeJS.Timeout | undefined;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { live: boolean; paint?: Paint; now?: () => number; tickMs?: number },
  ) {
    this.started = this.now();
  }

  get live(): boolean {
    return this.options.live;
  }

  private now(): number {
    return (this.options.now ?? performance.now.bind(performance))();
  }

  status(text: string): void {
    if (!this.options.live) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.current = text;
    this.draw();
    if (!this.ticker && this.options.tickMs !== 0) {
      this.ticker = setInterval(() => this.draw(), this.options.tickMs ?? 1000);
      this.ticker.unref();
    }
  }

  /** A line that stays (a warning, an error): printed above the progress line, which is redrawn. */
  note(text: string): void {
    if (!this.options.live) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.erase();
    this.stream.write(`${text}\n`);
    if (this.current) this.draw();
  }

  /** Remove the progress line (before other output, or when another process takes the line over). */
  suspend(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.current = '';
    this.erase();
  }

  private erase(): void {
    if (!this.shown) return;
    readline.clearLine(this.stream as NodeJS.WritableStream, 0);
    readline.cursorTo(this.stream as NodeJS.WritableStream, 0);
    this.shown = false;
  }

  private draw(): void {
    const paint = this.options.paint ?? ((t: string) => t);
    const elapsed = ` · ${formatElapsed(this.now() - this.started)}`;
    // One physical line or the rewrite breaks: cut the text to the terminal's width.
    const width = Math.max(20, (this.stream.columns || 100) - 1); // 0: a terminal that does not say
    const room = width - elapsed.length;
    const text = this.current.length > room ? `${this.current.slice(0, Math.max(0, room - 1))}…` : this.current;
    this.erase();
    this.stream.write(`${text}${paint(elapsed, 'dim')}`);
    this.shown = true;
  }
}
