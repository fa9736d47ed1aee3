import type { CheckedStep, FinishedStep, StepGate } from '../run/step-gate.ts';
import type { PlanStep } from './plan-file.ts';
import { stepDifference, verdictOf } from './steps.ts';

export const DRIFTED = 'drifted since plan';

/**
 * Holds a real run to a plan, host by host. A host refused before the run (drift found by the
 * check pass) fails at its first step. Every other host's checks are compared with the plan's
 * steps in order: verdict and fingerprint until the host's first change (after it, the state a
 * check reads may be one this run made, as the plan foresaw), the verdict always. A difference
 * stops the host before that step changes anything.
 */
export class PlanHolder implements StepGate {
  /** Hosts stopped during the run, with what differed. */
  readonly drifted = new Map<string, string>();
  private readonly cursor = new Map<string, number>();
  private readonly changedYet = new Set<string>();

  constructor(
    private readonly planned: ReadonlyMap<string, readonly PlanStep[]>,
    /** Hosts not to touch, with the reason shown for them. */
    private readonly refused: ReadonlyMap<string, string>,
    /** States a task's FILE:LINE:COL as the plan does (see planPosition). */
    private readonly position: (at: string) => string = (at) => at,
  ) {}

  checked(host: string, step: CheckedStep): string | undefined {
    const refusal = this.refusal(host);
    if (refusal) return refusal;
    const planned = this.next(host);
    const verdict = step.changed ? 'would change' : doingLess(planned) ? 'would change' : 'ok';
    const difference = stepDifference(planned, { ...step, at: this.position(step.at), verdict }, !this.changedYet.has(host));
    if (difference) return this.drift(host, difference);
    if (step.changed) this.changedYet.add(host);
    return undefined;
  }

  finished(host: string, step: FinishedStep): string | undefined {
    const refusal = this.refusal(host);
    if (refusal) return step.status === 'failed' ? undefined : refusal;
    const planned = this.next(host);
    this.cursor.set(host, (this.cursor.get(host) ?? 0) + 1);
    // A task that fails or a host lost now is a failure of this run, not a difference from the plan.
    if (step.status === 'failed' || step.status === 'unreachable') return undefined;
    const verdict = step.status === 'ok' && doingLess(planned) ? 'would change' : verdictOf(step.status);
    const difference = stepDifference(planned, { ...step, at: this.position(step.at), verdict }, false);
    return difference ? this.drift(host, difference) : undefined;
  }

  private next(host: string): PlanStep | undefined {
    return this.planned.get(host)?.[this.cursor.get(host) ?? 0];
  }

  private refusal(host: string): string | undefined {
    const before = this.refused.get(host);
    if (before) return before;
    const during = this.drifted.get(host);
    return during ? `${DRIFTED}: ${during}` : undefined;
  }

  private drift(host: string, difference: string): string {
    this.drifted.set(host, difference);
    return `${DRIFTED}: ${difference}`;
  }
}

/**
 * A step the plan said would change that finds nothing to do in the real run (a command whose
 * output decides, which --check cannot run) changes less than approved, never more: no drift.
 */
function doingLess(planned: PlanStep | undefined): boolean {
  return planned?.verdict === 'would change';
}

/**
 * The first difference between a host's planned steps and those a check pass saw now, or
 * undefined when they agree. A step the check pass could not reach the host for is no drift:
 * the run will find the host unreachable, or reach it and hold it to the plan.
 */
export function hostDrift(planned: readonly PlanStep[], seen: readonly PlanStep[]): string | undefined {
  for (const [i, step] of seen.entries()) {
    if (step.verdict === 'unreachable') return undefined;
    const difference = stepDifference(planned[i], step, true);
    if (difference) return difference;
  }
  const missing = planned[seen.length];
  return missing ? `the plan has '${missing.task}' at ${missing.at}, which does not run now` : undefined;
}
