// The values of the command line's flags (durations, whole numbers, node selectors, regular
// expressions): each bad one a UsageError (exit 2) naming the flag and what it accepts.
import { UsageError } from '../errors.ts';

/** "90s", "2m", "1m30s", "500ms" or plain seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const plain = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : undefined;
  if (plain !== undefined) return plain;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = '';
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0];
  }
  if (!consumed || consumed !== text || total <= 0) throw new UsageError(`${flag} ${text}: not a duration; use e.g. 90s, 2m or 1m30s.`);
  return total;
}

export function parseInteger(text: string, flag: string, range: { min: number; max: number }): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < range.min || n > range.max) throw new UsageError(`${flag} ${text}: expected a whole number from ${range.min} to ${range.max}.`);
  return n;
}

export function parseNodeSelector(text: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]*)$/.exec(part.trim());
    if (!m) throw new UsageError(`--node-selector ${text}: expected key=value[,key=value…], e.g. kubernetes.io/os=linux.`);
    selector[m[1]!] = m[2]!;
  }
  return selector;
}

export function checkRegexes(list: string[], flag: string): string[] {
  for (const r of list) {
    try {
      new RegExp(r);
    } catch (err) {
      throw new UsageError(`${flag} ${r}: not a valid regular expression (${(err as Error).message}).`);
    }
  }
  return list;
}
