import type { Connection } from '../connection.ts';
import { CONNECTION_VARS, connectionSpecFor, SECRET_CONNECTION_VARS } from '../connections/spec.ts';
import { ConnectionError, TaskError, formatPos } from '../errors.ts';
import type { Play, TaskCall } from '../model.ts';
import { renderValue, Undefined, type Scope } from '../template/template.ts';
import type { HostSession } from './host-session.ts';
import { scopeFor, type RunContext } from './run-context.ts';
import type { TaskRunOptions } from './task-on-host.ts';

/**
 * The connection a task runs over: its host's, or its delegate_to host's. Task and play become /
 * become_user override the inventory's; play connection / remote_user only fill in what the
 * inventory leaves open (in Ansible, variables beat keywords), and command-line options what both leave open.
 */
export async function connectFor(call: TaskCall, play: Play, session: HostSession, rc: RunContext, scope: Scope, opts: TaskRunOptions): Promise<Connection> {
  const become = call.become ?? play.become;
  const becomeUser = call.becomeUser ?? play.becomeUser;
  const overrides: Record<string, unknown> = {
    ...(become === undefined ? {} : { ansible_become: become }),
    ...(becomeUser && become !== false ? { ansible_become_user: becomeUser } : {}),
  };
  const keywords: Record<string, unknown> = {
    ...(play.connection ? { ansible_connection: play.connection } : {}),
    ...(play.remoteUser ? { ansible_user: play.remoteUser } : {}),
  };
  let target = session;
  if (call.delegateTo) {
    const name = String(renderValue(call.delegateTo, scope));
    if (name !== session.name) {
      if (!opts.delegate) throw new TaskError(`${formatPos(call.pos)}: delegate_to is not available here`);
      target = opts.delegate(name);
    }
  }
  if (target === session && opts.unreachable) throw new ConnectionError(session.name, opts.unreachable);
  const targetScope = target === session ? scope : scopeFor(rc, target, play);
  return target.connect(
    () => {
      // Only the connection's own variables are rendered, at full precedence (so -e ansible_connection=local acts
      // and an unused inventory variable naming a fact fails nothing).
      const connectionVars: Record<string, unknown> = {};
      for (const name of CONNECTION_VARS) {
        const value = targetScope.lookup(name);
        if (!(value instanceof Undefined)) connectionVars[name] = value;
      }
      const vars = { ...rc.connectionDefaults, ...keywords, ...connectionVars, ...overrides };
      for (const k of SECRET_CONNECTION_VARS) rc.masker.add(vars[k]);
      const spec = connectionSpecFor(target.name, vars);
      if (spec.kind === 'ssh' && spec.hostKeyChecking === false) {
        warnOnce(rc, target.name, `[${target.name}] WARNING: host key checking is off: the identity of this host is not verified`);
      }
      return spec;
    },
    rc.openConnection,
    JSON.stringify(overrides),
  );
}

const warned = new WeakMap<RunContext, Set<string>>();

function warnOnce(rc: RunContext, host: string, text: string): void {
  const seen = warned.get(rc) ?? new Set<string>();
  warned.set(rc, seen);
  if (seen.has(host)) return;
  seen.add(host);
  rc.reporter.notice(text);
}

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
