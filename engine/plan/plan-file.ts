import { readFile } from 'node:fs/promises';
import { TackleError } from '../errors.ts';
import type { FileDiff, Fingerprint } from '../task.ts';
import { writeOwnFile } from '../report/local-file.ts';

/**
 * The document `tackle plan --out PLAN.json` writes and `tackle apply PLAN.json` holds to.
 * Every string in it is already masked: it is meant to be read by people who may not see secrets.
 */
export const PLAN_FORMAT = 'tackle-plan';
// 2: baseDir and each changing step's change digest (a version 1 plan has neither, so apply refuses it).
export const PLAN_VERSION = 2;

/** A check's verdict as a plan states it. */
export type PlanVerdict = 'ok' | 'would change' | 'skipped' | 'failed' | 'unreachable';

export type { Fingerprint } from '../task.ts';

export interface PlanInput {
  /** What the input is: a file the run read, or one `-e` value (never stored, only hashed). */
  kind: 'playbook' | 'inventory' | 'file' | 'extra-vars';
  /** A path relative to the plan's baseDir (files), or `-e #N` (extra vars). */
  name: string;
  /** `sha256:HEX` of the file's bytes; for `-e`, a salted scrypt hash, so a guessable value cannot be looked up. */
  hash: string;
}

/** One task (or one loop item) on one host, in the order the run met it. */
export interface PlanStep {
  play: string;
  task: string;
  /** The typed-task key, e.g. "writeConfig"; "meta" for a condition of a block or include. */
  type: string;
  /** FILE:LINE:COL of the task in the playbook or role. */
  at: string;
  /** The loop item's label, for one item of a looped task. */
  item?: string;
  verdict: PlanVerdict;
  /** A handler run because a task that would change notified it. */
  handler?: boolean;
  /** A failure that `ignore_errors` lets pass. */
  ignored?: boolean;
  reasons: string[];
  message?: string;
  /** Masked diffs; a hidden one carries only its reason. */
  diff: FileDiff[];
  fingerprint?: Fingerprint;
  /** For a step that would change: a digest of the change (the masked diffs' after, or the task's own), which apply must find again. */
  change?: string;
  /** Paths an earlier task would change that this check depended on: in apply, that task's real change is the planned one. */
  dependsOnPending?: string[];
}

export interface PlanHost {
  name: string;
  steps: PlanStep[];
  /** The host failed or was unreachable in the plan's run: apply refuses it until it is planned again. */
  ended?: 'failed' | 'unreachable';
}

/** The run options that decide what runs: apply uses the plan's, never its own. */
export interface PlanOptions {
  limit: string[];
  tags: string[];
  skipTags: string[];
  forks: number;
  /** --slice K/N as given. */
  slice?: string;
  startAtTask?: string;
  forceHandlers?: boolean;
  /** -c: what the check read depends on how the host is reached and as whom (-b, --become-user). */
  connection?: string;
  become?: boolean;
  becomeUser?: string;
}

/** The recorded options as the flags that gave them, for readers of a plan. */
export function recordedOptionFlags(o: PlanOptions): string[] {
  return [
    ...o.limit.map((l) => `--limit ${l}`),
    ...(o.slice === undefined ? [] : [`--slice ${o.slice}`]),
    ...(o.tags.length ? [`--tags ${o.tags.join(',')}`] : []),
    ...(o.skipTags.length ? [`--skip-tags ${o.skipTags.join(',')}`] : []),
    `--forks ${o.forks}`,
    ...(o.startAtTask === undefined ? [] : [`--start-at-task ${JSON.stringify(o.startAtTask)}`]),
    ...(o.forceHandlers ? ['--force-handlers'] : []),
    ...(o.connection === undefined ? [] : [`-c ${o.connection}`]),
    ...(o.become ? ['-b'] : []),
    ...(o.becomeUser === undefined ? [] : [`--become-user ${o.becomeUser}`]),
  ];
}

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** ISO 8601, UTC. */
  createdAt: string;
  tackleVersion: string;
  /** The arguments of `tackle plan` with every `-e` value replaced by its input name. */
  commandLine: string[];
  playbook: string;
  inventory: string[];
  options: PlanOptions;
  /** The absolute directory tackle plan ran in: playbook, inventory and input names are relative to it, so apply works from any directory. */
  baseDir: string;
  inputs: PlanInput[];
  /** In inventory order of the hosts the plan covers. */
  hosts: PlanHost[];
}

export class PlanFileError extends TackleError {
  override name = 'PlanFileError';
}

/** Counts of would-change steps per host, for summaries (CLI and the HTML page). */
export function wouldChangeCounts(plan: PlanFile): Map<string, number> {
  return new Map(plan.hosts.map((h) => [h.name, h.steps.filter((s) => s.verdict === 'would change').length]));
}

export async function writePlanFile(path: string, plan: PlanFile): Promise<void> {
  // Masked, but diffs show hosts' configuration: readable by the operator alone, as the report.
  await writeOwnFile(path, JSON.stringify(plan, null, 2) + '\n', 0o600);
}

/** Reads and checks the shape of a plan file; anything else is refused with what is wrong. */
export async function readPlanFile(path: string): Promise<PlanFile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PlanFileError(`${path}: not a plan file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problem = planShapeProblem(value);
  if (problem) throw new PlanFileError(`${path}: not a plan file tackle ${PLAN_VERSION} can apply: ${problem}`);
  return value as PlanFile;
}

function planShapeProblem(v: unknown): string | undefined {
  if (!isRecord(v)) return 'not a JSON object';
  if (v['format'] !== PLAN_FORMAT) return `format is not "${PLAN_FORMAT}"`;
  if (v['version'] !== PLAN_VERSION) return `version ${JSON.stringify(v['version'])}, expected ${PLAN_VERSION}`;
  if (typeof v['createdAt'] !== 'string' || Number.isNaN(Date.parse(v['createdAt']))) return 'createdAt is not a time';
  if (typeof v['playbook'] !== 'string') return 'playbook missing';
  if (typeof v['baseDir'] !== 'string' || !v['baseDir'].startsWith('/')) return 'baseDir is not an absolute path';
  if (!isStringList(v['inventory']) || !isStringList(v['commandLine'])) return 'inventory or commandLine missing';
  const o = v['options'];
  if (!isRecord(o) || !isStringList(o['limit']) || !isStringList(o['tags']) || !isStringList(o['skipTags']) || typeof o['forks'] !== 'number') return 'options malformed';
  if (!Array.isArray(v['inputs']) || !v['inputs'].every((i) => isRecord(i) && typeof i['name'] === 'string' && typeof i['hash'] === 'string')) return 'inputs malformed';
  if (!Array.isArray(v['hosts'])) return 'hosts missing';
  for (const h of v['hosts']) {
    if (!isRecord(h) || typeof h['name'] !== 'string' || !Array.isArray(h['steps'])) return 'a host entry is malformed';
    for (const s of h['steps']) {
      if (!isRecord(s) || typeof s['at'] !== 'string' || typeof s['task'] !== 'string' || !VERDICTS.has(s['verdict'] as PlanVerdict)) return `a step of host ${h['name']} is malformed`;
    }
  }
  return undefined;
}

const VERDICTS = new Set<PlanVerdict>(['ok', 'would change', 'skipped', 'failed', 'unreachable']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
