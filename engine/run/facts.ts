import type { HostSession } from './host-session.ts';

const gathered = new WeakMap<HostSession, Record<string, unknown>>();

/** The facts gathered for a host in this run (ansible_facts and the ansible_* names), if any. */
export function factsOf(session: HostSession): Record<string, unknown> | undefined {
  return gathered.get(session);
}

export function setFacts(session: HostSession, facts: Record<string, unknown>): void {
  gathered.set(session, facts);
}
