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
  tasks: TaskCall[];
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
}
