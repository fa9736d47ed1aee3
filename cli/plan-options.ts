import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PlanOptions } from '../engine/plan/plan-file.ts';
import { parseSlice } from '../engine/load/slice.ts';
import { askHidden } from './prompt.ts';
import { connectionOptionVars, parseForks, RUN_ONLY_OPTIONS, SELECTION_OPTIONS, SESSION_OPTIONS, splitList, UsageError, type RunOptionName } from './run-options.ts';

/** tackle run's options that plan and apply do not take, each with the reason their help gives. */
export const NOT_FOR_PLAN_OR_APPLY = {
  check: 'plan always checks only, apply always changes',
  'list-hosts': 'a listing changes nothing: use tackle run --list-hosts',
  'list-tasks': 'a listing changes nothing: use tackle run --list-tasks',
  'list-tags': 'a listing changes nothing: use tackle run --list-tags',
  'syntax-check': 'use tackle run --syntax-check',
} as const satisfies Record<keyof typeof RUN_ONLY_OPTIONS, string>;

/** Session options plan takes but has no use for, with the reason. */
export const NOT_FOR_PLAN = {
  'lock-wait': 'a plan only checks and takes no host lock (apply takes --lock-wait)',
  report: 'the plan file is the record of the check (apply takes --report)',
} as const satisfies Partial<Record<RunOptionName, string>>;

export const PLAN_OPTIONS = {
  ...SELECTION_OPTIONS,
  ...SESSION_OPTIONS,
  ...RUN_ONLY_OPTIONS,
  out: { type: 'string', short: 'o' },
  html: { type: 'string' },
} satisfies ParseArgsConfig['options'];

export const APPLY_OPTIONS = {
  ...SELECTION_OPTIONS,
  ...SESSION_OPTIONS,
  ...RUN_ONLY_OPTIONS,
  'max-age': { type: 'string', default: '24h' },
} satisfies ParseArgsConfig['options'];

type Parsed<O extends ParseArgsConfig['options']> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;
export type PlanValues = Parsed<typeof PLAN_OPTIONS>['values'];
export type ApplyValues = Parsed<typeof APPLY_OPTIONS>['values'];
type SelectionValues = Parsed<typeof SELECTION_OPTIONS>['values'];
type SessionValues = Parsed<typeof SESSION_OPTIONS>['values'];

/** Parses plan's or apply's arguments; an option of tackle run that the command does not take is refused with the reason. */
export function parseCommandArgs<O extends typeof PLAN_OPTIONS | typeof APPLY_OPTIONS>(command: 'plan' | 'apply', args: string[], options: O): Parsed<O> {
  const { tokens, ...parsed } = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  const refused: Record<string, string> = { ...NOT_FOR_PLAN_OR_APPLY, ...(command === 'plan' ? NOT_FOR_PLAN : {}) };
  const given = tokens.find((t) => t.kind === 'option' && refused[t.name] !== undefined);
  if (given?.kind === 'option') throw new UsageError(`${command} does not take --${given.name}: ${refused[given.name]}`);
  return parsed as Parsed<O>;
}

/** The options that decide what runs, as a plan records them. */
export function plannedOptions(v: SelectionValues): PlanOptions {
  if (v.slice !== undefined) parseSlice(v.slice);
  return {
    limit: v.limit,
    tags: splitList(v.tags),
    skipTags: splitList(v['skip-tags']),
    forks: parseForks(v.forks),
    ...(v.slice === undefined ? {} : { slice: v.slice }),
    ...(v['start-at-task'] === undefined ? {} : { startAtTask: v['start-at-task'] }),
    ...(v['force-handlers'] ? { forceHandlers: true } : {}),
    ...(v.connection === undefined ? {} : { connection: v.connection }),
    ...(v.become ? { become: true } : {}),
    ...(v['become-user'] === undefined ? {} : { becomeUser: v['become-user'] }),
  };
}

/**
 * apply takes the plan's selection; one given again must be the plan's. The first that differs,
 * named, or undefined. (-i and -e are checked as inputs.)
 */
export function selectionConflict(recorded: PlanOptions, given: SelectionValues): string | undefined {
  const now = plannedOptions(given);
  const shown = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
  const checks: [string, boolean, unknown, unknown][] = [
    ['--limit', given.limit.length > 0, recorded.limit, now.limit],
    ['--tags', given.tags.length > 0, recorded.tags, now.tags],
    ['--skip-tags', given['skip-tags'].length > 0, recorded.skipTags, now.skipTags],
    ['--forks', given.forks !== SELECTION_OPTIONS.forks.default, recorded.forks, now.forks],
    ['--slice', given.slice !== undefined, recorded.slice, now.slice],
    ['--start-at-task', given['start-at-task'] !== undefined, recorded.startAtTask, now.startAtTask],
    ['--force-handlers', given['force-handlers'], recorded.forceHandlers, now.forceHandlers],
    ['-c/--connection', given.connection !== undefined, recorded.connection, now.connection],
    ['-b/--become', given.become, recorded.become, now.become],
    ['--become-user', given['become-user'] !== undefined, recorded.becomeUser, now.becomeUser],
  ];
  for (const [flag, isGiven, planned, asked] of checks) {
    if (isGiven && JSON.stringify(planned) !== JSON.stringify(asked)) {
      return `${flag} ${shown(asked)} is not the plan's (${shown(planned)}): apply uses what the plan was made with; plan again to change it`;
    }
  }
  return undefined;
}

/** The session of one plan or apply invocation: its connection defaults (with -K's password) and vault secrets' sources. */
export interface Session {
  connectionDefaults: Record<string, unknown>;
  becomePassword?: string;
  vault: { files: string[]; ids: string[]; ask: boolean };
  display: { diff: boolean; verbose: boolean; tty: boolean };
}

/** -u, --private-key, -T and -K of this invocation, with the recorded -c, -b and --become-user. */
export async function sessionOf(v: SessionValues, planned: PlanOptions, tty: boolean): Promise<Session> {
  const becomePassword = v['ask-become-pass']
    ? await askHidden('BECOME password: ', '-K (--ask-become-pass)', 'set ansible_become_password in a vault-encrypted vars file instead')
    : undefined;
  const connection = { user: v.user, 'private-key': v['private-key'], timeout: v.timeout, keepalive: v.keepalive, connection: planned.connection, become: planned.become ?? false, 'become-user': planned.becomeUser };
  return {
    connectionDefaults: connectionOptionVars(connection, becomePassword),
    ...(becomePassword === undefined ? {} : { becomePassword }),
    vault: { files: v['vault-password-file'], ids: v['vault-id'], ask: v['ask-vault-pass'] },
    display: { diff: v.diff, verbose: v.verbose.length > 0, tty: tty && !v['no-progress'] },
  };
}
