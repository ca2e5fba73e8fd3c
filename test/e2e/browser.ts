// Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe — no port,
// no websocket, nothing listening. Used to load report.html as a person would: evaluate the DOM,
// hover and click like a mouse, take a screenshot. Chromium's own background traffic is switched
// off and every fetch goes to a dead loopback proxy, so nothing leaves the machine even if a page
// tried (report.html's CSP forbids it anyway).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';

export function haveChromium(): boolean {
  return fs.existsSync(CHROMIUM);
}

type Json = Record<string, unknown>;

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void; method: string }>();
  private readonly waiters: Array<{ method: string; resolve: (params: Json) => void }> = [];
  private buffer = '';
  private sessionId = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
    private readonly stderr: () => string,
  ) {
    const out = child.stdio[4] as Readable;
    out.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const message = JSON.parse(this.buffer.slice(0, end)) as { id?: number; result?: Json; error?: { message: string }; method?: string; params?: Json };
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const p = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) p?.reject(new Error(`${p.method}: ${message.error.message}`));
          else p?.resolve(message.result ?? {});
        } else if (message.method) {
          for (const w of this.waiters.filter((x) => x.method === message.method)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(message.params ?? {});
          }
        }
      }
    });
  }

  static async launch(options: { width?: number; height?: number } = {}): Promise<Browser> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-chromium-'));
    const child = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        '--disable-default-apps',
        '--metrics-recording-only',
        '--mute-audio',
        '--proxy-server=127.0.0.1:9',
        '--host-resolver-rules=MAP * ~NOTFOUND',
        `--window-size=${options.width ?? 1400},${options.height ?? 1000}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const browser = new Browser(child, profile, () => stderr);
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`chromium exited with ${code} before answering:\n${stderr.slice(-2000)}`))));
    const { targetId } = (await Promise.race([browser.send('Target.createTarget', { url: 'about:blank' }), exited])) as { targetId: string };
    const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    browser.sessionId = sessionId;
    await browser.send('Page.enable');
    await browser.send('Runtime.enable');
    return browser;
  }

  send(method: string, params: Json = {}, timeoutMs = 30_000): Promise<Json> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(this.sessionId && !/^(Target|Browser)\./.test(method) ? { sessionId: this.sessionId } : {}) });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`chromium did not answer ${method} within ${timeoutMs} ms; stderr:\n${this.stderr().slice(-2000)}`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) });
      (this.child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  private event(method: string, timeoutMs: number): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ method, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  /** Load a local file and wait for its load event (the inline script has run by then). */
  async open(file: string, hash = ''): Promise<void> {
    const loaded = this.event('Page.loadEventFired', 60_000);
    await this.send('Page.navigate', { url: `${pathToFileURL(file).href}${hash}` });
    await loaded;
  }

  /** Evaluate an expression in the page; its value comes back as JSON. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`in page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Move the mouse to the middle of the first element matching `selector` (scrolled into view), optionally click. */
  async pointAt(selector: string, options: { click?: boolean } = {}): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null;
      e.scrollIntoView({block: 'center', inline: 'center'}); const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`);
    if (!box) throw new Error(`no element ${selector} in the page`);
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: box.x, y: box.y });
    if (options.click) {
      await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x: box.x, y: box.y, button: 'left', clickCount: 1 });
      await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
  }

  /** PNG of the whole page (or the first `maxHeight` pixels of it). */
  async screenshot(file: string, options: { width?: number; maxHeight?: number } = {}): Promise<void> {
    const width = options.width ?? 1400;
    const height = await this.evaluate<number>('document.documentElement.scrollHeight');
    const h = Math.min(height, options.maxHeight ?? 6000);
    await this.evaluate('window.scrollTo(0, 0)');
    await this.send('Emulation.setDeviceMetricsOverride', { width, height: h, deviceScaleFactor: 1, mobile: false });
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width, height: h, scale: 1 } })) as { data: string };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }

  async close(): Promise<void> {
    const gone = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
    await this.send('Browser.close', {}, 5_000).catch(() => this.child.kill('SIGKILL'));
    await gone;
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
