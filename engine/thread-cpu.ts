/**
 * CPU time of the calling thread (user + system), for what a training, a proxy or a phase cost.
 * Null where the runtime cannot tell (process.threadCpuUsage arrived in Node 23.9).
 */
export type ThreadCpuMark = NodeJS.CpuUsage | undefined;

export function threadCpuMark(): ThreadCpuMark {
  return process.threadCpuUsage?.();
}

export function threadCpuSecondsSince(mark: ThreadCpuMark): number | null {
  if (!mark) return null;
  const used = process.threadCpuUsage(mark);
  return (used.user + used.system) / 1e6;
}
