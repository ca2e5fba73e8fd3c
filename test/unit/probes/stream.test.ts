// The exec stream's protocol with the real command loop in a local bash (the transport stands in
// for the API server's exec): many commands in flight on one stream, each result back to its
// caller intact; a stream that ends fails its commands as control errors and the next opens anew.
import { describe, expect, test } from 'vitest';
import { OPEN_TIMEOUT_MS, parseResultLine, ProbeStreams, readyProblem, STREAM_COMMAND, unescapeOutput } from '../../../helpers/probes/stream.ts';
import { localExec } from './local-exec.ts';

describe('probe exec streams (the real bash loop, run locally)', () => {
  test('one stream carries many concurrent commands; every result reaches its caller with its exit code and output intact', async () => {
    const opened: string[] = [];
    const control = localExec({ opened });
    const streams = new ProbeStreams(control, 'ns');
    try {
      const outs = await Promise.all(
        Array.from({ length: 24 }, (_, i) => streams.run('probe-a', `sleep 0.0${i % 5}; printf 'line %s\\nback\\\\slash\\ttab' ${i}; exit ${i % 3}`, { timeoutMs: 10_000 })),
      );
      outs.forEach((out, i) => expect(out).toMatchObject({ exitCode: i % 3, output: `line ${i}\nback\\slash\ttab` }));
      expect(opened).toEqual(['probe-a']);
      expect(streams.streamsOpened()).toBe(1);
      expect(control.requests).toBe(1);
      // A slow command does not hold up a quick one on the same stream.
      const slow = streams.run('probe-a', 'sleep 1; echo slow', { timeoutMs: 10_000 });
      const quick = await streams.run('probe-a', 'echo quick', { timeoutMs: 10_000 });
      expect(quick).toMatchObject({ output: 'quick' });
      expect(await slow).toMatchObject({ output: 'slow' });
    } finally {
      streams.close();
    }
  });

  test('the probe times each command itself', async () => {
    const streams = new ProbeStreams(localExec(), 'ns');
    try {
      const out = await streams.run('p', 'sleep 0.3', { timeoutMs: 10_000 });
      if ('failed' in out) throw new Error(out.failed);
      expect(out.ms).toBeGreaterThanOrEqual(290);
      expect(out.ms).toBeLessThan(2_000);
    } finally {
      streams.close();
    }
  });

  test('a stream that cannot be opened, or ends under a command, fails it as a control error naming why; the next command opens a new one', async () => {
    const dead = new ProbeStreams(localExec({ dead: ['gone'] }), 'ns');
    expect(await dead.run('gone', 'echo x', { timeoutMs: 5_000 })).toEqual({ failed: expect.stringMatching(/^cannot run commands in probe gone through the API server's exec: .*handshake failed/) });
    dead.close();

    const streams = new ProbeStreams(localExec(), 'ns');
    try {
      // The loop itself exits (as when the container is killed): the command in flight fails with the reason.
      const killed = await streams.run('p', 'kill -9 $$; sleep 5', { timeoutMs: 10_000 });
      expect(killed).toEqual({ failed: expect.stringMatching(/^the exec stream into probe p ended: the command in the probe ended \(exit null\).*, with the command in flight$/) });
      expect(await streams.run('p', 'echo again', { timeoutMs: 10_000 })).toMatchObject({ exitCode: 0, output: 'again' });
      expect(streams.streamsOpened()).toBe(2);
    } finally {
      streams.close();
    }
  });

  test('a stream that does not open within its open timeout (default 20 s; injectable) fails its command naming the timeout', async () => {
    expect(OPEN_TIMEOUT_MS).toBe(20_000);
    for (const [how, reason] of [
      ['hang', /^cannot run commands in probe p through the API server's exec: exec stream into pod ns\/p: the WebSocket did not open within 0\.2 s/],
      ['silent', /^cannot run commands in probe p through the API server's exec: the command loop in probe p did not say ready within 0\.2 s$/],
    ] as const) {
      const streams = new ProbeStreams(localExec({ [how]: ['p'] }), 'ns', { openTimeoutMs: 200 });
      try {
        const started = performance.now();
        expect(await streams.run('p', 'echo x', { timeoutMs: 10_000 }), how).toEqual({ failed: expect.stringMatching(reason) });
        expect(performance.now() - started).toBeGreaterThanOrEqual(190);
        expect(performance.now() - started).toBeLessThan(2_000);
      } finally {
        streams.close();
      }
    }
  });

  test('a command that never reports back fails after its deadline, without holding the stream', async () => {
    const streams = new ProbeStreams(localExec(), 'ns');
    try {
      const started = performance.now();
      expect(await streams.run('p', 'sleep 3', { timeoutMs: 300 })).toEqual({ failed: expect.stringContaining('no result from probe p within 0.3 s') });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(await streams.run('p', 'echo still', { timeoutMs: 5_000 })).toMatchObject({ output: 'still' });
    } finally {
      streams.close();
    }
  });

  test('the wire format: result lines, escapes, and the loop saying it is ready with a bash new enough', () => {
    expect(parseResultLine('1a 7 1500 curl: (7) x\\nnc: y')).toEqual({ id: '1a', out: { exitCode: 7, output: 'curl: (7) x\nnc: y', ms: 1.5 } });
    expect(parseResultLine('ready 5.2.15(1)-release')).toBeUndefined();
    expect(unescapeOutput('a\\\\n\\n')).toBe('a\\n\n');
    expect(readyProblem('ready 5.2.15(1)-release')).toBeUndefined();
    expect(readyProblem('ready 4.4.20(1)-release')).toMatch(/bash ≥ 5/);
    expect(readyProblem('sh: bash: not found')).toMatch(/did not start the command loop/);
    expect(STREAM_COMMAND.slice(0, 2)).toEqual(['/bin/bash', '-c']);
  });
});
