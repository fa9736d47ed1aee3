import type { Loaded } from '../load/loader.ts';
import type { HostSession, OpenConnection } from './host-session.ts';
import type { Play, TaskCall } from '../model.ts';
import { factsOf } from './facts.ts';
import type { ParamValidator } from './param-validator.ts';
import type { RunLockOptions } from './run-lock.ts';
import type { Reporter } from '../report/events.ts';
import type { SecretMasker } from '../secrets.ts';
import type { AnyTaskDefinition } from '../task.ts';
import type { StepGate } from './step-gate.ts';
import { buildHostScope, type RunState, type Scope } from '../template/vars.ts';

/** What every part of one run shares. */
export interface RunContext {
  loaded: Loaded;
  registry: Map<string, AnyTaskDefinition>;
  validator: ParamValidator;
  masker: SecretMasker;
  reporter: Reporter;
  openConnection: OpenConnection;
  checkMode: boolean;
  /** The per-host run lock a run that changes hosts takes (undefined: none, as in --check). */
  runLock?: RunLockOptions;
  diffMode: boolean;
  /**
   * Connection variables from the command line (-u, -c, -T, --private-key, -b, --become-user, -K):
   * below every play keyword and variable, as in Ansible.
   */
  connectionDefaults?: Readonly<Record<string, unknown>>;
  /** Set on SIGINT: no new task starts. */
  interrupted: { value: boolean };
  /** Sees every step (recording a plan, or holding a run to one). */
  stepGate?: StepGate;
  /** The play being run: its hosts, the current batch and every host's session (for hostvars, ansible_play_hosts). */
  playState?: PlayState;
}

export interface PlayState {
  hosts: readonly string[];
  batch: readonly string[];
  sessions: ReadonlyMap<string, HostSession>;
  /** Bumped whenever a host's state changes (fails, is unreachable, is rescued): the active lists are computed again. */
  losses: number;
}

/** The play's and the batch's hosts still active, computed once per change of a host's state, not once per host and task (10,000 hosts made that quadratic). */
const activeLists = new WeakMap<PlayState, { losses: number; hosts: readonly string[]; batch: readonly string[] }>();

function activeHosts(state: PlayState): { hosts: readonly string[]; batch: readonly string[] } {
  const known = activeLists.get(state);
  if (known && known.losses === state.losses) return known;
  const active = (hosts: readonly string[]): readonly string[] =>
    Object.freeze(hosts.filter((h) => state.sessions.get(h)?.state !== 'failed' && state.sessions.get(h)?.state !== 'unreachable'));
  const lists = { losses: state.losses, hosts: active(state.hosts), batch: active(state.batch) };
  activeLists.set(state, lists);
  return lists;
}

/** A host's variables for one task: with the task's role defaults, vars and params, and any extra layer (a loop item). */
export function scopeFor(rc: RunContext, session: HostSession, play: Play, call?: TaskCall, extra?: Record<string, unknown>): Scope {
  return buildHostScope({
    task: { roleDefaults: call?.roleDefaults, vars: call?.vars, params: call?.params, extra },
    facts: factsOf(session),
    host: session.host,
    inventory: rc.loaded.inventory,
    play,
    playVarsFiles: rc.loaded.playVarsFiles.get(play) ?? {},
    registered: session.registered,
    extraVars: rc.loaded.extraVars,
    run: runState(rc, session),
  });
}

function runState(rc: RunContext, session: HostSession): RunState {
  const state = rc.playState;
  const lists = state ? activeHosts(state) : { hosts: [session.name], batch: [session.name] };
  return {
    checkMode: rc.checkMode,
    diffMode: rc.diffMode,
    playHosts: lists.hosts,
    playBatch: lists.batch,
    registeredOf: (host) => state?.sessions.get(host)?.registered ?? {},
    factsOf: (host) => {
      const other = state?.sessions.get(host);
      return (other && factsOf(other)) ?? {};
    },
  };
}
