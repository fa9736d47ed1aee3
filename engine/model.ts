import type { SourcePos } from './errors.ts';

/** What the loader hands the runner: validated, positioned, not yet templated. */

export interface TaskCall {
  /** Display name: the task's `name`, or its type when unnamed. */
  name: string;
  /** The typed-task key, e.g. "genCA". */
  type: string;
  /** Raw parameters (a map, or one template that yields a map); templated per host just before the task runs. */
  args: Record<string, unknown> | string;
  pos: SourcePos;
  when?: string[];
  tags: string[];
  notify: string[];
  register?: string;
  noLog: boolean;
  ignoreErrors: boolean;
  /** Re-run until `until` holds (or until success when no `until`), at most `retries` more times. */
  retries?: number;
  delaySeconds?: number;
  until?: string;
  timeoutSeconds?: number;
  /** Set on handlers: the name `notify` refers to (plus `listen` aliases). */
  listen?: string[];
  loop?: LoopSpec;
  /** Role defaults of the role the task comes from: below the inventory. */
  roleDefaults?: Record<string, unknown>;
  /** Role vars, block vars, include vars and task vars, merged in that order: above play vars_files. */
  vars?: Record<string, unknown>;
  changedWhen?: string[];
  failedWhen?: string[];
  /** Task-level check_mode: true always checks, false always changes, whatever --check says. */
  checkMode?: boolean;
  diff?: boolean;
  /** Environment for the task's commands (a map, or one template yielding a map). */
  environment?: Record<string, unknown> | string;
  become?: boolean;
  becomeUser?: string;
  /** Inventory name (may be templated) of the host the task acts on instead. */
  delegateTo?: string;
  runOnce?: boolean;
  throttle?: number;
  /** Role params and include params: above registered results, below extra vars. */
  params?: Record<string, unknown>;
  /** Role the task comes from, for display ("role : task") and its files/ and templates/. */
  role?: { name: string; dir: string };
}

/** How a task repeats: `loop`/`with_*` with loop_control. */
export interface LoopSpec {
  kind: 'loop' | 'with_items' | 'with_list' | 'with_dict';
  /** A list, a map (with_dict) or one template yielding it. */
  items: unknown;
  loopVar: string;
  indexVar?: string;
  /** Template shown for each item instead of the item itself. */
  label?: string;
  /** Seconds to wait between items. */
  pauseSeconds?: number;
}

/** block / rescue / always; also what include_tasks and include_role become (gate: their `when`, evaluated once). */
export interface BlockNode {
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
  name: string;
  pos: SourcePos;
  /** Conditions evaluated once per host on entry (a dynamic include's `when`; per item when looped). */
  gate?: string[];
  /** A looped include_tasks / include_role: the tasks run once per item, with the item's variables. */
  loop?: LoopSpec;
}

export type MetaAction = 'flush_handlers' | 'end_host' | 'end_play' | 'noop' | 'clear_host_errors' | 'refresh_inventory' | 'end_batch';

export interface MetaNode {
  meta: MetaAction;
  name: string;
  pos: SourcePos;
  when?: string[];
}

export type TaskNode = TaskCall | BlockNode | MetaNode;

export function isBlock(n: TaskNode): n is BlockNode {
  return 'block' in n;
}

export function isMeta(n: TaskNode): n is MetaNode {
  return 'meta' in n;
}

/** serial: a count, a percentage ("30%") or a list of them. */
export type SerialSpec = number | string | (number | string)[];

export interface Play {
  name: string;
  hosts: string;
  pos: SourcePos;
  /** Lowest precedence (below the inventory), like an Ansible role's defaults. */
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  varsFiles: string[];
  /** Every task of the play, flattened (pre_tasks, roles, tasks, post_tasks, inside blocks), for listing and checks. */
  tasks: TaskCall[];
  /** What the runner walks: pre_tasks, roles, tasks, post_tasks with blocks and handler flushes between them. */
  body?: TaskNode[];
  handlers: TaskCall[];
  tags: string[];
  serial?: SerialSpec;
  forks?: number;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  strategy: 'linear' | 'free';
  /** Play-level become / become_user; inventory ansible_become* variables apply when absent. */
  become?: boolean;
  becomeUser?: string;
  /** gather_facts; absent means Ansible's default, on. */
  gatherFacts?: boolean;
  environment?: Record<string, unknown> | string;
  /** Play-level connection / remote_user: over the inventory's ansible_connection / ansible_user. */
  connection?: string;
  remoteUser?: string;
  throttle?: number;
  order?: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
}

export interface Playbook {
  file: string;
  plays: Play[];
}

/** Inventory after loading: every host with its merged variables. */
export interface InventoryHost {
  name: string;
  /** Merged: all < parent groups < child groups < group_vars files < host vars < host_vars files. */
  vars: Record<string, unknown>;
  groups: string[];
}

export interface Inventory {
  file: string;
  hosts: Map<string, InventoryHost>;
  /** group name -> host names (transitively through children). */
  groups: Map<string, string[]>;
  /** Each group's direct hosts and child groups, in definition order, and its own vars with its group_vars files (for `tackle inventory`). */
  structure?: Map<string, { hosts: string[]; children: string[]; vars?: Record<string, unknown> }>;
}
