import type { HostCounts } from '../report/events.ts';
import { PLAN_FORMAT, PLAN_VERSION, type PlanFile, type PlanHost, type PlanInput, type PlanOptions, type PlanStep } from './plan-file.ts';
import { extraVarName } from './inputs.ts';

export interface PlanParts {
  createdAt: Date;
  tackleVersion: string;
  /** The arguments of `tackle plan` as given (the -e values are replaced here). */
  args: string[];
  playbook: string;
  inventory: string[];
  options: PlanOptions;
  /** The directory tackle plan ran in: the inputs' names are relative to it. */
  baseDir: string;
  inputs: PlanInput[];
  /** Per host, in the run's order: its counts and the steps recorded. */
  counts: ReadonlyMap<string, HostCounts>;
  steps: ReadonlyMap<string, PlanStep[]>;
}

export function buildPlan(parts: PlanParts): PlanFile {
  const hosts = [...parts.counts].map(([name, c]): PlanHost => ({
    name,
    steps: parts.steps.get(name) ?? [],
    ...(c.unreachable > 0 ? { ended: 'unreachable' as const } : c.failed > 0 ? { ended: 'failed' as const } : {}),
  }));
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    createdAt: parts.createdAt.toISOString(),
    tackleVersion: parts.tackleVersion,
    commandLine: withoutExtraVarValues(parts.args),
    playbook: parts.playbook,
    inventory: parts.inventory,
    options: parts.options,
    baseDir: parts.baseDir,
    inputs: parts.inputs,
    hosts,
  };
}

/** The command line with every -e value (it may be a password) replaced by its input name. */
export function withoutExtraVarValues(args: string[]): string[] {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === '-e' || arg === '--extra-vars') && i + 1 < args.length) {
      out.push(arg, extraVarName(n++));
      i++;
    } else if (arg.startsWith('--extra-vars=')) out.push(`--extra-vars=${extraVarName(n++)}`);
    else if (arg.startsWith('-e') && arg.length > 2 && !arg.startsWith('--')) out.push(`-e${extraVarName(n++)}`);
    else out.push(arg);
  }
  return out;
}
