// results.json: the RunResults exactly as the engine produced them (plus diagnosis), for
// scripts and for diffing two runs. Pretty-printed because people open it too.

import type { RunResults } from '../check/types.ts';

export function renderJson(run: RunResults): string {
  return `${JSON.stringify(run, null, 2)}\n`;
}
