import type { ParseArgsConfig } from 'node:util';
import { TackleError } from '../engine/errors.ts';
import type { Loaded } from '../engine/load/loader.ts';
import { sliceHosts, type Slice } from '../engine/load/slice.ts';

/**
 * tackle run's options, in the groups plan and apply share them by (one definition, so the
 * commands cannot drift apart). What decides what runs: a plan records it, apply uses the plan's.
 */
export const SELECTION_OPTIONS = {
  inventory: { type: 'string', short: 'i', multiple: true, default: [] },
  'extra-vars': { type: 'string', short: 'e', multiple: true, default: [] },
  limit: { type: 'string', short: 'l', multiple: true, default: [] },
  slice: { type: 'string' },
  tags: { type: 'string', short: 't', multiple: true, default: [] },
  'skip-tags': { type: 'string', multiple: true, default: [] },
  forks: { type: 'string', short: 'f', default: '20' },
  'start-at-task': { type: 'string' },
  'force-handlers': { type: 'boolean', default: false },
  connection: { type: 'string', short: 'c' },
  become: { type: 'boolean', short: 'b', default: false },
  'become-user': { type: 'string' },
} satisfies ParseArgsConfig['options'];

/** How this invocation reaches the hosts and shows the run: given to plan and again to apply, never recorded. */
export const SESSION_OPTIONS = {
  user: { type: 'string', short: 'u' },
  'private-key': { type: 'string' },
  timeout: { type: 'string', short: 'T' },
  keepalive: { type: 'string' },
  'ask-become-pass': { type: 'boolean', short: 'K', default: false },
  'lock-wait': { type: 'string', default: '0' },
  'vault-password-file': { type: 'string', multiple: true, default: [] },
  'vault-id': { type: 'string', multiple: true, default: [] },
  'ask-vault-pass': { type: 'boolean', default: false },
  diff: { type: 'boolean', short: 'D', default: false },
  report: { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
  'allow-no-hosts': { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', multiple: true, default: [] },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

/** What only tackle run does: check mode and the listings. */
export const RUN_ONLY_OPTIONS = {
  check: { type: 'boolean', short: 'C', default: false },
  'list-hosts': { type: 'boolean', default: false },
  'list-tasks': { type: 'boolean', default: false },
  'list-tags': { type: 'boolean', default: false },
  'syntax-check': { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

export const RUN_OPTIONS = { ...SELECTION_OPTIONS, ...SESSION_OPTIONS, ...RUN_ONLY_OPTIONS } satisfies ParseArgsConfig['options'];

export type RunOptionName = keyof typeof RUN_OPTIONS;

export class UsageError extends TackleError {
  override name = 'UsageError';
}

export interface ConnectionOptions {
  user?: string;
  'private-key'?: string;
  connection?: string;
  timeout?: string;
  keepalive?: string;
  become: boolean;
  'become-user'?: string;
}

/** Ansible's connection plugins that are SSH under another name in tackle. */
const SSH_NAMES = ['ssh', 'smart', 'paramiko'];

/**
 * -u, --private-key, -c, -T, --keepalive, -b, --become-user (and the -K password) as connection variables,
 * which every play keyword and inventory or -e variable overrides, as in Ansible.
 */
export function connectionOptionVars(o: ConnectionOptions, becomePassword?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.user !== undefined) out['ansible_user'] = o.user;
  if (o['private-key'] !== undefined) out['ansible_ssh_private_key_file'] = o['private-key'];
  if (o.connection !== undefined) {
    if (o.connection !== 'local' && !SSH_NAMES.includes(o.connection)) {
      throw new UsageError(`-c ${o.connection}: tackle connects with 'ssh' or 'local' only`);
    }
    out['ansible_connection'] = o.connection === 'local' ? 'local' : 'ssh';
  }
  if (o.timeout !== undefined) {
    const seconds = Number(o.timeout);
    if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError(`-T (--timeout) takes whole seconds >= 1, got '${o.timeout}'`);
    out['ansible_timeout'] = seconds;
  }
  if (o.keepalive !== undefined) {
    const seconds = Number(o.keepalive);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--keepalive takes seconds > 0, got '${o.keepalive}'`);
    out['tackle_keepalive_interval'] = seconds;
  }
  if (o.become) out['ansible_become'] = true;
  if (o['become-user'] !== undefined) out['ansible_become_user'] = o['become-user'];
  if (becomePassword !== undefined) out['ansible_become_password'] = becomePassword;
  return out;
}

/** --forks: a whole number >= 1. */
export function parseForks(text: string): number {
  const forks = Number(text);
  if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`--forks must be a whole number >= 1, got '${text}'`);
  return forks;
}

/** --lock-wait: whole seconds >= 0. */
export function parseLockWait(text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0) throw new UsageError(`--lock-wait must be a whole number of seconds >= 0, got '${text}'`);
  return seconds;
}

/** With --slice K/N, only that slice's hosts (of those --limit left). */
export function sliceLimit(loaded: Loaded, slice: Slice | undefined, limit: Set<string> | undefined): Set<string> | undefined {
  if (!slice) return limit;
  const hosts = sliceHosts(loaded.inventory.hosts.keys(), slice);
  return limit ? new Set([...hosts].filter((h) => limit.has(h))) : hosts;
}

/** -t a,b -t c → [a, b, c]. */
export function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}
