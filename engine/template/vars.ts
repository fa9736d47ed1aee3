import { dirname, resolve } from 'node:path';
import { TackleError } from '../errors.ts';
import type { Inventory, InventoryHost, Play } from '../model.ts';
import { renderValue, Undefined, type Scope } from './template.ts';
import { LazyMap } from './values.ts';

export type { Scope } from './template.ts';

/** A variable whose value refers back to itself, directly or through others. */
export class RecursiveVariableError extends TackleError {
  override name = 'RecursiveVariableError';
  constructor(readonly chain: string[]) {
    super(`recursive variable definition: ${chain.join(' -> ')}`);
  }
}

const MAX_RESOLVE_DEPTH = 64;

interface Entry {
  value: unknown;
  /** Taken as is, never templated (registered results, magic variables). */
  literal: boolean;
}

/**
 * Variables of one host. Values are templated lazily on lookup, so `a: "{{ b }}/x"` sees b
 * at whatever precedence b ends up with; each name is rendered once and cached.
 */
export class VarScope implements Scope {
  private readonly cache = new Map<string, unknown>();
  private readonly resolving: string[] = [];

  constructor(private readonly entries: ReadonlyMap<string, Entry>) {}

  static fromLayers(layers: { vars: Record<string, unknown>; literal?: boolean }[]): VarScope {
    const entries = new Map<string, Entry>();
    for (const layer of layers) {
      for (const [name, value] of Object.entries(layer.vars)) entries.set(name, { value, literal: layer.literal ?? false });
    }
    return new VarScope(entries);
  }

  lookup(name: string): unknown {
    if (this.cache.has(name)) return this.cache.get(name);
    const entry = this.entries.get(name);
    if (!entry) return new Undefined(name);
    if (entry.literal) return entry.value;
    const seen = this.resolving.indexOf(name);
    if (seen >= 0) throw new RecursiveVariableError([...this.resolving.slice(seen), name]);
    if (this.resolving.length >= MAX_RESOLVE_DEPTH) throw new RecursiveVariableError([...this.resolving, name]);
    this.resolving.push(name);
    try {
      const value = renderValue(entry.value, this);
      this.cache.set(name, value);
      return value;
    } finally {
      this.resolving.pop();
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** A new scope with more variables on top (e.g. a loop item, a fresh register). */
  extend(vars: Record<string, unknown>, opts: { literal?: boolean } = {}): VarScope {
    const entries = new Map(this.entries);
    for (const [name, value] of Object.entries(vars)) entries.set(name, { value, literal: opts.literal ?? false });
    return new VarScope(entries);
  }

  /** Every variable, rendered. */
  resolveAll(): Record<string, unknown> {
    return Object.fromEntries(this.names().map((n) => [n, this.lookup(n)]));
  }
}

/** The value of `omit`: a parameter that templates to it is left out, as if not written. */
export const OMIT = '__tackle_omit_parameter__';

/** Drops map entries whose value is OMIT (at any depth), so `x: "{{ y | default(omit) }}"` can vanish. */
export function stripOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(stripOmitted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== OMIT).map(([k, v]) => [k, stripOmitted(v)]));
  }
  return value;
}

/** What a run knows beyond one host, for the magic variables that look across hosts. */
export interface RunState {
  checkMode: boolean;
  diffMode: boolean;
  /** The play's hosts that have not failed, and those of the current batch. */
  playHosts: readonly string[];
  playBatch: readonly string[];
  /** Another host's registered results and facts, for hostvars. */
  registeredOf(host: string): Record<string, unknown>;
  factsOf(host: string): Record<string, unknown>;
}

/** What a task adds to its host's variables (see buildHostScope for where each goes). */
export interface TaskVarLayers {
  roleDefaults?: Record<string, unknown>;
  /** Role vars, block vars, task vars. */
  vars?: Record<string, unknown>;
  /** Role and include parameters. */
  params?: Record<string, unknown>;
  /** Loop item and friends, ansible_failed_task in a rescue: taken as they are. */
  extra?: Record<string, unknown>;
}

interface ScopeArgs {
  host: InventoryHost;
  inventory: Inventory;
  play: Play;
  playVarsFiles: Record<string, unknown>;
  registered: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  task?: TaskVarLayers;
  facts?: Record<string, unknown>;
  run?: RunState | undefined;
}

/** hostvars[h] reading hostvars[...] again: deeper than this is a cycle. */
const MAX_HOSTVARS_DEPTH = 16;
let hostvarsDepth = 0;

/** `hostvars`: every inventory host's variables, each templated in that host's own scope on use. */
function hostvars(args: ScopeArgs): LazyMap {
  return new LazyMap(
    () => [...args.inventory.hosts.keys()],
    (name) => {
      const host = args.inventory.hosts.get(name)!;
      const own = name === args.host.name;
      const scope = buildHostScope({
        ...args,
        host,
        task: undefined,
        registered: args.run?.registeredOf(name) ?? (own ? args.registered : {}),
        facts: args.run?.factsOf(name) ?? (own ? args.facts : {}),
      });
      return new LazyMap(
        () => scope.names(),
        (key) => {
          if (hostvarsDepth >= MAX_HOSTVARS_DEPTH) throw new RecursiveVariableError([`hostvars['${name}'].${key}`, '...']);
          hostvarsDepth++;
          try {
            return scope.lookup(key);
          } finally {
            hostvarsDepth--;
          }
        },
      );
    },
    (name) => `no host '${name}' in the inventory`,
  );
}

/** The variables every task sees whatever the inventory and play say (validate counts them as defined). */
export const MAGIC_VARIABLE_NAMES = [
  'omit',
  'inventory_hostname',
  'inventory_hostname_short',
  'group_names',
  'groups',
  'hostvars',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_batch',
  'ansible_check_mode',
  'ansible_diff_mode',
  'playbook_dir',
  'inventory_dir',
  'inventory_file',
] as const;

export function magicVars(args: ScopeArgs): Record<(typeof MAGIC_VARIABLE_NAMES)[number], unknown> {
  const { host, inventory, play, run } = args;
  const playHosts = run?.playHosts ?? [host.name];
  return {
    omit: OMIT,
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    group_names: host.groups.filter((g) => g !== 'all' && g !== 'ungrouped'),
    groups: Object.fromEntries(inventory.groups),
    hostvars: hostvars(args),
    // Shared, not copied per host: the lists are frozen (templates only read them).
    ansible_play_hosts: playHosts,
    ansible_play_hosts_all: playHosts,
    ansible_play_batch: run?.playBatch ?? playHosts,
    ansible_check_mode: run?.checkMode ?? false,
    ansible_diff_mode: run?.diffMode ?? false,
    playbook_dir: dirname(resolve(play.pos.file)),
    inventory_dir: inventory.file ? dirname(resolve(inventory.file)) : null,
    inventory_file: inventory.file ? resolve(inventory.file) : null,
  };
}

/** Ansible adds `stdout_lines` (and `stderr_lines`) beside a registered `stdout` (`stderr`). */
export function withOutputLines(result: Record<string, unknown>): Record<string, unknown> {
  const out = { ...result };
  for (const key of ['stdout', 'stderr']) {
    const text = result[key];
    if (typeof text === 'string' && !Object.hasOwn(result, `${key}_lines`)) out[`${key}_lines`] = text === '' ? [] : text.split(/\r?\n/);
  }
  return out;
}

/**
 * Precedence, low to high, as Ansible's: role defaults, play defaults, inventory (already merged per host),
 * facts, play vars, play vars_files, role / block / task vars, registered results, role and include
 * params, loop variables, extra vars; magic variables cannot be overridden.
 */
export function buildHostScope(args: ScopeArgs): VarScope {
  const task = args.task ?? {};
  return VarScope.fromLayers([
    { vars: task.roleDefaults ?? {} },
    { vars: args.play.defaults },
    { vars: args.host.vars },
    { vars: args.facts ?? {}, literal: true },
    { vars: args.play.vars },
    { vars: args.playVarsFiles },
    { vars: task.vars ?? {} },
    { vars: args.registered, literal: true },
    { vars: task.params ?? {} },
    { vars: task.extra ?? {}, literal: true },
    { vars: args.extraVars },
    { vars: magicVars(args), literal: true },
  ]);
}
