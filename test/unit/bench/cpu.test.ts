import { expect, test } from 'vitest';
import { busySeconds, cpuSince, cpuText } from '../../../bench/cpu.ts';

test("/proc/stat's first line: busy is user, nice, system, irq, softirq and steal, not idle or iowait", () => {
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (clock ticks)
  expect(busySeconds('cpu  1000 50 400 90000 300 20 30 0 0 0')).toBe(15);
});

test('a run: the differences, and the line the bench prints', () => {
  const cpu = cpuSince({ machineS: 100, lab: { podsS: 10, daemonsS: 20 } }, { machineS: 124.6, lab: { podsS: 20, daemonsS: 33 } });
  expect(cpu.machineS).toBeCloseTo(24.6);
  expect(cpu.lab).toEqual({ podsS: 10, daemonsS: 13 });
  expect(cpuText(cpu, 4.4)).toBe('CPU 24.6 s (runner 4.4, lab pods 10.0, lab daemons 13.0)');
  expect(cpuText(cpuSince({ machineS: 1 }, { machineS: 3 }), 1)).toBe('CPU 2.0 s (runner 1.0)');
});
