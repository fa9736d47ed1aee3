import type { TaskStatus } from '../run/execute-task.ts';
import type { FinishedStep } from '../run/step-gate.ts';
import type { Fingerprint, PlanStep, PlanVerdict } from './plan-file.ts';

export function verdictOf(status: TaskStatus): PlanVerdict {
  return status === 'changed' ? 'would change' : status;
}

export function planStepOf(step: FinishedStep): PlanStep {
  return {
    play: step.play,
    task: step.task,
    type: step.type,
    at: step.at,
    ...(step.item === undefined ? {} : { item: step.item }),
    verdict: verdictOf(step.status),
    ...(step.handler ? { handler: true } : {}),
    ...(step.ignored ? { ignored: true } : {}),
    reasons: step.reasons,
    ...(step.message === undefined ? {} : { message: step.message }),
    diff: step.diff,
    ...(step.fingerprint ? { fingerprint: step.fingerprint } : {}),
    ...(step.change === undefined ? {} : { change: step.change }),
    ...(step.dependsOnPending.length ? { dependsOnPending: step.dependsOnPending } : {}),
  };
}

/** How a step is named in a drift report: the task, its item, and where it is. */
export function stepName(step: Pick<PlanStep, 'task' | 'item' | 'at'>): string {
  return `'${step.task}'${step.item === undefined ? '' : ` (item ${step.item})`} at ${step.at}`;
}

/** What is not the same between the planned step and the one seen now, or undefined when they agree. */
export function stepDifference(planned: PlanStep | undefined, seen: Pick<PlanStep, 'task' | 'item' | 'at' | 'verdict' | 'fingerprint' | 'change'>, compareFingerprints: boolean): string | undefined {
  if (!planned) return `${stepName(seen)} ran, but the plan ends before it`;
  if (planned.at !== seen.at || planned.item !== seen.item) return `${stepName(seen)} ran where the plan has ${stepName(planned)}`;
  if (planned.verdict !== seen.verdict) return `${stepName(seen)}: the plan says ${planned.verdict}, the check now says ${seen.verdict}`;
  if (!compareFingerprints || planned.dependsOnPending) return undefined;
  const what = fingerprintDifference(planned.fingerprint, seen.fingerprint);
  if (what) return `${stepName(seen)}: ${what} differs from the plan`;
  // Only a step that changes now has a digest of its change; one that now does less is no drift.
  return seen.change !== undefined && seen.change !== planned.change ? `${stepName(seen)}: the change differs from the plan` : undefined;
}

function fingerprintDifference(planned: Fingerprint | undefined, seen: Fingerprint | undefined): string | undefined {
  if (!planned || !seen) return planned === seen ? undefined : 'the state the check read';
  const labels = [...new Set([...Object.keys(planned), ...Object.keys(seen)])].filter((k) => planned[k] !== seen[k]);
  return labels.length ? labels.join(', ') : undefined;
}
