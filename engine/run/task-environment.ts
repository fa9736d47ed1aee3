import { TaskError, formatPos } from '../errors.ts';
import type { Play, TaskCall } from '../model.ts';
import { renderValue, type Scope } from '../template/template.ts';

/** Play environment with the task's over it, templated; undefined when neither sets any. */
export function environmentFor(call: TaskCall, play: Play, scope: Scope): Record<string, string> | undefined {
  if (play.environment === undefined && call.environment === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const layer of [play.environment, call.environment]) {
    if (layer === undefined) continue;
    const value = renderValue(layer, scope);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TaskError(`${formatPos(call.pos)}: environment must be a map of names to values`);
    }
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) env[k] = String(v);
  }
  return env;
}
