import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Where a cold run's time goes, from its --report results and one measured key generation. */
export interface ColdBreakdown {
  /** Summed host-task time per task type (seconds over all hosts, hosts run in parallel), largest first. */
  byTaskType: { type: string; hostTaskSeconds: number; share: number }[];
  /** CPU seconds of one RSA-2048 key pair in this process, a mean (genCA and signCert's default js backend make the same keys). */
  rsa2048KeySeconds: number;
  /** Keys timed for that mean, and its standard error (the prime search makes single keys vary several-fold). */
  keySamples: number;
  rsa2048KeyStandardError: number;
  /** Keys the workload generates per host on a cold run (the CA's and the server certificate's). */
  keysPerHost: number;
  /** rsa2048KeySeconds x keysPerHost x hosts / cores: the CPU floor of key generation alone. */
  keyGenerationFloorSeconds: number;
  /** The warm run's mean time per task per host: one state probe, i.e. the round-trip cost. */
  warmSecondsPerTask: number;
  /**
   * Where the cold run's wall time goes, from controller CPU (GNU time user+sys) rather than wall
   * time, so that it holds on a loaded machine: absent without GNU time.
   */
  split?: ColdSplit;
}

export interface ColdSplit {
  coldWallSeconds: number;
  warmWallSeconds: number;
  coldCpuSeconds: number;
  warmCpuSeconds: number;
  /** rsa2048KeySeconds x keys: the CPU the cold run spends generating keys. */
  keyCpuSeconds: number;
  /** coldCpu - warmCpu - keyCpu: the rest of what changing costs the controller (signing, writes, their round trips). */
  otherChangeCpuSeconds: number;
  /** The standard error of keyCpuSeconds, carried over from the per-key mean: a negative rest within it is noise. */
  keyCpuStandardError: number;
  /** coldWall - warmWall - keyGenerationFloor: time spent neither probing (as warm does) nor generating keys: round trips of the changes and waits. */
  waitingSeconds: number;
}

export interface RunCost {
  wallSeconds: number;
  cpuSeconds?: number | null;
}

interface Report {
  results: { type: string; durationMs: number }[];
}

function byType(file: string): Map<string, number> {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const totals = new Map<string, number>();
  for (const r of report.results) totals.set(r.type, (totals.get(r.type) ?? 0) + r.durationMs / 1000);
  return totals;
}

/**
 * CPU seconds (user+sys) of one RSA-2048 key pair: the mean of `samples` and its standard error.
 * CPU rather than wall time, since the bench measures it right after a run, while the hosts may
 * still hold the cores; the mean rather than the median, since the run's key time is a sum over
 * many keys. Single keys vary several-fold with the prime search: 15 keys left the estimate
 * about 15 % off, enough to exceed what a 100-host cold run spent on all its changes.
 */
function timeKeyGeneration(samples = KEY_SAMPLES): { mean: number; standardError: number } {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = process.cpuUsage();
    generateKeyPairSync('rsa', { modulusLength: 2048 });
    const used = process.cpuUsage(started);
    times.push((used.user + used.system) / 1e6);
  }
  const mean = times.reduce((a, b) => a + b, 0) / samples;
  const variance = times.reduce((a, t) => a + (t - mean) ** 2, 0) / Math.max(1, samples - 1);
  return { mean, standardError: Math.sqrt(variance / samples) };
}

const KEY_SAMPLES = 48;

export function coldBreakdown(coldReport: string, warmReport: string, hosts: number, cores: number, runs?: { cold: RunCost; warm: RunCost }): ColdBreakdown {
  const cold = byType(coldReport);
  const total = [...cold.values()].reduce((a, b) => a + b, 0) || 1;
  const warmResults = (JSON.parse(readFileSync(warmReport, 'utf8')) as Report).results;
  const { mean: rsa2048KeySeconds, standardError: rsa2048KeyStandardError } = timeKeyGeneration();
  const keysPerHost = 2;
  const keyGenerationFloorSeconds = (rsa2048KeySeconds * keysPerHost * hosts) / Math.max(1, cores);
  const coldCpu = runs?.cold.cpuSeconds;
  const warmCpu = runs?.warm.cpuSeconds;
  const keyCpuSeconds = rsa2048KeySeconds * keysPerHost * hosts;
  const split =
    runs && typeof coldCpu === 'number' && typeof warmCpu === 'number'
      ? {
          coldWallSeconds: runs.cold.wallSeconds,
          warmWallSeconds: runs.warm.wallSeconds,
          coldCpuSeconds: coldCpu,
          warmCpuSeconds: warmCpu,
          keyCpuSeconds,
          otherChangeCpuSeconds: coldCpu - warmCpu - keyCpuSeconds,
          keyCpuStandardError: rsa2048KeyStandardError * keysPerHost * hosts,
          waitingSeconds: runs.cold.wallSeconds - runs.warm.wallSeconds - keyGenerationFloorSeconds,
        }
      : undefined;
  return {
    byTaskType: [...cold].sort((a, b) => b[1] - a[1]).map(([type, s]) => ({ type, hostTaskSeconds: s, share: s / total })),
    rsa2048KeySeconds,
    keySamples: KEY_SAMPLES,
    rsa2048KeyStandardError,
    keysPerHost,
    keyGenerationFloorSeconds,
    warmSecondsPerTask: warmResults.reduce((a, r) => a + r.durationMs / 1000, 0) / Math.max(1, warmResults.length),
    ...(split ? { split } : {}),
  };
}

export function formatColdBreakdown(b: ColdBreakdown): string {
  const lines = ['where the cold run goes (host-task time by task type, over all hosts):'];
  for (const t of b.byTaskType) lines.push(`  ${t.type.padEnd(14)} ${t.hostTaskSeconds.toFixed(2).padStart(9)} s  ${(t.share * 100).toFixed(0).padStart(3)} %`);
  lines.push(
    `  key generation: ${b.rsa2048KeySeconds.toFixed(3)} s of CPU per RSA-2048 key here (mean of ${b.keySamples}, standard error ${b.rsa2048KeyStandardError.toFixed(3)} s), ${b.keysPerHost} per host: a floor of ${b.keyGenerationFloorSeconds.toFixed(2)} s over all hosts on this machine's cores`,
    `  round trips: a warm task takes ${(b.warmSecondsPerTask * 1000).toFixed(1)} ms per host on average (one state probe)`,
  );
  const sp = b.split;
  if (sp) {
    const f = (n: number) => `${n.toFixed(2)} s`;
    lines.push(
      `  controller CPU (user+sys): cold ${f(sp.coldCpuSeconds)}, warm ${f(sp.warmCpuSeconds)}; of the cold run's ${f(sp.coldCpuSeconds - sp.warmCpuSeconds)} more, ` +
        `key generation ${f(sp.keyCpuSeconds)} (± ${f(sp.keyCpuStandardError)}) and the rest of the changes (signing, writes) ${restOfChanges(sp)}`,
      `  cold wall ${f(sp.coldWallSeconds)} = the probes of a warm run ${f(sp.warmWallSeconds)} + the key-generation floor ${f(b.keyGenerationFloorSeconds)} + ` +
        `${f(sp.waitingSeconds)} of change round trips and waits (hosts behind the slowest of each task)`,
    );
  }
  return lines.join('\n');
}

/** The rest is what the key estimate leaves; below zero it is only the estimate's error showing. */
function restOfChanges(sp: ColdSplit): string {
  if (sp.otherChangeCpuSeconds >= 0) return `${sp.otherChangeCpuSeconds.toFixed(2)} s`;
  const within = -sp.otherChangeCpuSeconds <= 2 * sp.keyCpuStandardError;
  return `too small to tell: the key estimate exceeds the cold run's extra CPU by ${(-sp.otherChangeCpuSeconds).toFixed(2)} s, ${within ? 'within' : 'beyond'} twice its standard error`;
}
