// The one place the engine meets the report views and the diagnosis (owned elsewhere):
// RunResults in, files and terminal text out.
import { renderTerminal, writeReports } from '../report/index.ts';
import { withDiagnosis, type DiagnoseContext } from '../diagnose.ts';
import type { RunResults } from '../results.ts';

/** `ctx.cni`: the detected CNI add-ons, so pod-network causes name their ports (e.g. UDP 8472). */
export function finishRun(run: RunResults, ctx: DiagnoseContext = {}): RunResults {
  return withDiagnosis(run, ctx);
}

export async function writeRunReports(run: RunResults, options: { reportDir: string; junitPath: string }): Promise<{ junit: string; summary: string; html: string; json: string }> {
  return writeReports(run, { reportDir: options.reportDir, junitPath: options.junitPath });
}

export function terminalView(run: RunResults): string {
  return renderTerminal(run);
}
