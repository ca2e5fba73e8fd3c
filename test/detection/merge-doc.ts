// docs/detection.md after a partial `npm run detect` (some networks, or `--from` the detection
// test's saved results, which cover npm test's combinations only): the combinations rendered now
// replace theirs, every other combination keeps its row and table (each row says when its runs
// ran), the totals are counted again from the rows, and the real-world catalogue section stays
// unless it was rendered too. Pure text in, text out.
import { LAB_NETPOLS, LAB_NETWORKS } from './compare.ts';

const CATALOGUE = /<!-- catalogue:start[\s\S]*?<!-- catalogue:end -->\n?/;
// A combination is network|kube-proxy|NetworkPolicy enforcer ("none" when the row or title names none).
const ROW = /^\| ([a-z-]+)(?: \(NetworkPolicy ([a-z-]+)\))? \| (iptables|nftables) \| ([^|]*) \| (\d+)\/(\d+) \| ([^|]*) \| ([^|]*) \|$/;
const SECTION = /^# Detection: (\S+) pod network, kube-proxy (\S+) mode(?:, NetworkPolicy (\S+))?$/;
const key = (network: string, proxyMode: string, netpol: string | undefined) => `${network}|${proxyMode}|${netpol ?? 'none'}`;

interface Doc {
  rows: Map<string, string>;
  sections: Map<string, string>;
  score?: string;
  catalogue?: string;
}

function parse(text: string): Doc {
  const catalogue = CATALOGUE.exec(text)?.[0];
  const body = text.replace(CATALOGUE, '');
  const rows = new Map<string, string>();
  for (const line of body.split('\n')) {
    const m = ROW.exec(line);
    if (m) rows.set(key(m[1]!, m[3]!, m[2]), line);
  }
  const sections = new Map<string, string>();
  const parts = body.split(/^(?=# )/m);
  for (const part of parts) {
    const m = SECTION.exec(part.split('\n')[0] ?? '');
    if (m) sections.set(key(m[1]!, m[2]!, m[3]), part.replace(/\n*$/, '\n'));
  }
  const score = /^Diagnosis score[^\n]*$/m.exec(body)?.[0];
  return { rows, sections, ...(score ? { score } : {}), ...(catalogue ? { catalogue } : {}) };
}

/** `existing` (the file as it is) with the combinations of `fresh` (a rendering of some) put in. */
export function mergeDetectionDoc(existing: string, fresh: string): string {
  const old = parse(existing);
  const now = parse(fresh);
  // The matrix's order: each network and kube-proxy mode, its NetworkPolicy lab right after it.
  const keys = LAB_NETWORKS.flatMap((n) => ['iptables', 'nftables'].flatMap((p) => LAB_NETPOLS.map((e) => key(n, p, e)))).filter((k) => now.rows.has(k) || old.rows.has(k));
  const rows = keys.map((k) => now.rows.get(k) ?? old.rows.get(k)!);
  let faults = 0;
  let exact = 0;
  let healthyRuns = 0;
  let failedRows = 0;
  for (const row of rows) {
    const [, , , , healthy = '', x = '0', y = '0'] = ROW.exec(row)!;
    exact += Number(x);
    faults += Number(y);
    for (const n of healthy.split(',').map((s) => s.trim())) {
      if (!/^\d+$/.test(n)) continue;
      healthyRuns++;
      failedRows += Number(n);
    }
  }
  const renderedNow = [...now.rows.keys()].map((k) => {
    const [network, proxyMode, netpol] = k.split('|');
    return `${network} ${proxyMode}${netpol === 'none' ? '' : ` NetworkPolicy ${netpol}`}`;
  });
  const lines = [
    '# Detection matrix',
    '',
    `${rows.length} network × kube-proxy combinations, ${faults} fault runs: ${exact} detected exactly (the rows the fault must break failed, no other row failed, the diagnosis named the cause); ${failedRows} failed rows in ${healthyRuns} healthy runs. Which faults apply to which network: \`test/detection/cases.ts\`; one table per combination below. Each combination's row says when its runs ran: a partial \`npm run detect\` (or \`--from\` the detection test's saved results) replaces only the combinations it ran.`,
    '',
  ];
  const score = now.score ?? old.score;
  if (score) lines.push(now.score && renderedNow.length ? score.replace(/^Diagnosis score:/, `Diagnosis score of the last rendering (${renderedNow.join(', ')}):`) : score, '');
  lines.push('| network | kube-proxy | healthy runs: failed rows | faults detected exactly | not detected | fault runs of (UTC) |', '|---|---|---|---|---|---|', ...rows);
  const sections = keys.map((k) => now.sections.get(k) ?? old.sections.get(k)).filter((s): s is string => s !== undefined);
  const catalogue = now.catalogue ?? old.catalogue;
  return [lines.join('\n') + '\n', ...sections, ...(catalogue ? [catalogue] : [])].join('\n');
}
