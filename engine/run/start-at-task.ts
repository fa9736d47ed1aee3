import { globToRegExp } from '../glob.ts';
import type { Play, TaskCall } from '../model.ts';

/**
 * --start-at-task: the task's name (a role's task also by its name without "role : ") equals the
 * pattern or matches it as a shell wildcard, as Ansible's fnmatch does.
 */
export function startsAt(call: TaskCall, pattern: string): boolean {
  let re: RegExp | undefined;
  try {
    re = globToRegExp(pattern, { classes: true });
  } catch {
    re = undefined;
  }
  const names = [call.name];
  if (call.role && call.name.startsWith(`${call.role.name} : `)) names.push(call.name.slice(call.role.name.length + 3));
  return names.some((n) => n === pattern || (re?.test(n) ?? false));
}

/** The index of the first play with a task --start-at-task names; -1 when none has one. */
export function playStartingAt(plays: readonly Play[], pattern: string): number {
  return plays.findIndex((play) => play.tasks.some((t) => startsAt(t, pattern)));
}
