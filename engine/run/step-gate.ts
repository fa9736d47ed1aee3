import { TackleError } from '../errors.ts';
import type { FileDiff, Fingerprint } from '../task.ts';
import type { TaskStatus } from './execute-task.ts';

/** A check that succeeded on a host, before anything was changed. */
export interface CheckedStep {
  task: string;
  /** FILE:LINE:COL of the task. */
  at: string;
  item?: string;
  changed: boolean;
  fingerprint?: Fingerprint;
  /** When it changes: a digest of the change it would make (changeDigest). */
  change?: string;
  /** Inputs of the task that an earlier task of this run would change (check mode). */
  dependsOnPending: string[];
}

/** One task (or loop item) on one host, as it ended; every string masked. */
export interface FinishedStep {
  play: string;
  task: string;
  type: string;
  /** FILE:LINE:COL of the task. */
  at: string;
  item?: string;
  handler: boolean;
  status: TaskStatus;
  ignored: boolean;
  reasons: string[];
  message?: string;
  diff: FileDiff[];
  fingerprint?: Fingerprint;
  change?: string;
  dependsOnPending: string[];
}

/**
 * Watches every step of a run, host by host, in order: what records a plan and what holds a run
 * to one. The runner knows nothing of plans; it only asks.
 */
export interface StepGate {
  /** After a check, before change(): the reason this host must not go on, if it must not (the step then fails with it). */
  checked(host: string, step: CheckedStep): string | undefined;
  /** Every step's end: the reason it breaks what was expected, if it does (the step then fails with it). */
  finished(host: string, step: FinishedStep): string | undefined;
}

/** A gate's refusal: the step fails with this message, nothing of it changed. */
export class StepRefused extends TackleError {
  override name = 'StepRefused';
}
