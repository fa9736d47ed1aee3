import type { FinishedStep, StepGate } from '../run/step-gate.ts';
import type { PlanStep } from './plan-file.ts';
import { planStepOf } from './steps.ts';

/** A step gate that refuses nothing and keeps every host's steps, in order: what a plan is made of. */
export class StepRecorder implements StepGate {
  readonly steps = new Map<string, PlanStep[]>();

  /** `position` states a task's FILE:LINE:COL as the plan does (see planPosition). */
  constructor(private readonly position: (at: string) => string = (at) => at) {}

  checked(): undefined {
    return undefined;
  }

  finished(host: string, step: FinishedStep): undefined {
    let list = this.steps.get(host);
    if (!list) this.steps.set(host, (list = []));
    list.push(planStepOf({ ...step, at: this.position(step.at) }));
    return undefined;
  }
}
