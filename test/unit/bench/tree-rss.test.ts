import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { processTree, sampleTreeRss } from '../../../bench/tree-rss.ts';

const MB80 = 80 * 2 ** 20;

test('the sampler sees a process that holds 80 MB, under its own command line', async () => {
  // The child allocates and touches 80 MB once told to, then waits to be killed.
  const child = spawn(process.execPath, ['-e', 'process.stdin.once("data", () => { globalThis.b = Buffer.alloc(80 * 2 ** 20, 1); console.log("ready"); }); setInterval(() => {}, 50);'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const sampler = sampleTreeRss(child.pid!, 20);
  expect(sampler.peek().peakTotal).toBeLessThan(MB80); // before it allocates
  child.stdin.write('go\n');
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const deadline = Date.now() + 5_000;
    while (!Object.values(sampler.peek().peakByProcess).some((b) => b > MB80)) {
      if (Date.now() > deadline) throw new Error(`timed out after 5 s waiting for the sampler to see a process over 80 MB: ${JSON.stringify(sampler.peek())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill();
  }
  const peaks = sampler.stop();
  expect(peaks.peakTotal).toBeGreaterThan(MB80);
  const [name] = Object.entries(peaks.peakByProcess).find(([, b]) => b > MB80)!;
  expect(name).toBe(process.execPath);
});

test('the process tree holds the root, its children and their children, and nothing above the root', async () => {
  // The child starts a grandchild and prints its pid; both wait to be killed.
  const child = spawn(
    process.execPath,
    ['-e', 'const g = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 50)"], { stdio: "ignore" }); console.log(g.pid); setInterval(() => {}, 50);'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let grandchild = 0;
  try {
    grandchild = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(String(d).trim()))));
    expect(grandchild).toBeGreaterThan(0);
    expect(processTree(process.pid)).toEqual(expect.arrayContaining([process.pid, child.pid, grandchild]));
    const below = processTree(child.pid!);
    expect(below).toEqual(expect.arrayContaining([child.pid, grandchild]));
    expect(below).not.toContain(process.pid);
  } finally {
    if (grandchild > 0) process.kill(grandchild);
    child.kill();
  }
});

test("the tree's CPU time: a child that spins until it has used 0.4 s of CPU counts about that", { timeout: 20_000 }, async () => {
  const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user + process.cpuUsage().system < 400_000); setInterval(() => {}, 50);'], { stdio: 'ignore' });
  const sampler = sampleTreeRss(child.pid!, 20);
  try {
    const deadline = Date.now() + 15_000;
    while ((sampler.peek().cpuS ?? 0) < 0.35) {
      if (Date.now() > deadline) throw new Error(`timed out after 15 s waiting for the sampler to count 0.35 s of CPU: ${JSON.stringify(sampler.peek())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill();
  }
  expect(sampler.stop().cpuS).toBeLessThan(2);
});
