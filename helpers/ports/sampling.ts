// Port ranges are sampled, not swept: 2768 NodePorts × every node pair would be a port scan,
// not a check. Both ends catch a firewall rule that opens only part of a range (the usual
// mistake: 30000-32000 instead of 30000-32767); one port inside catches a rule for only the
// ends. Short ranges (up to 3 ports) are checked whole. The note says so in the report.

export interface PortSample {
  ports: number[];
  /** True when not every port of the range is checked. */
  sampled: boolean;
  /** For the report, e.g. "sampled 3 of 2768 ports of 30000-32767: both ends and 31383 inside". */
  note?: string;
}

export function samplePortRange(range: { low: number; high: number }): PortSample {
  const { low, high } = range;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) {
    throw new RangeError(`invalid port range ${low}-${high}: ports are 1-65535, low ≤ high`);
  }
  const size = high - low + 1;
  if (size <= 3) return { ports: Array.from({ length: size }, (_, i) => low + i), sampled: false };
  // The midpoint, not a random port: a run must be repeatable to compare two runs.
  const inside = Math.floor((low + high) / 2);
  return {
    ports: [low, inside, high],
    sampled: true,
    note: `sampled 3 of ${size} ports of ${low}-${high}: both ends and ${inside} inside`,
  };
}
