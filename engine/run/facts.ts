import { ConnectionError } from '../errors.ts';
import type { Play, TaskCall } from '../model.ts';
import type { HostTaskResult } from '../report/events.ts';
import { mapLimit } from './batches.ts';
import { factVariables, FACTS_SCRIPT, parseFacts } from './facts-script.ts';
import type { HostSession } from './host-session.ts';
import { scopeFor, type RunContext } from './run-context.ts';

const gathered = new WeakMap<HostSession, Record<string, unknown>>();
/** Hosts that could not be reached for facts: their next task reports it, without a second connect. */
const unreachable = new WeakMap<HostSession, string>();

/** Why the host could not be reached when facts were gathered, if it could not. */
export function factsUnreachable(session: HostSession): string | undefined {
  return unreachable.get(session);
}

/** The same, forgotten afterwards (at the end of a batch). */
export function takeFactsUnreachable(session: HostSession): string | undefined {
  const message = unreachable.get(session);
  unreachable.delete(session);
  return message;
}

/** The facts gathered for a host in this run (ansible_facts and the ansible_* names), if any. */
export function factsOf(session: HostSession): Record<string, unknown> | undefined {
  return gathered.get(session);
}

/**
 * gather_facts: one command per host that has none yet (facts are cached for the run), shown as -v
 * lines. A host that cannot be reached is reported unreachable by its first task that connects (a
 * task failing earlier, on a template, still fails as it would without facts), with no second attempt;
 * a host whose facts cannot be read fails with 'Gathering Facts'.
 */
export async function gatherFacts(rc: RunContext, play: Play, hosts: HostSession[], forks: number, record: (r: HostTaskResult, s: HostSession) => void): Promise<void> {
  const call: TaskCall = { name: 'Gathering Facts', type: 'facts', args: {}, pos: play.pos, tags: [], notify: [], noLog: false, ignoreErrors: false };
  await mapLimit(
    hosts.filter((s) => !gathered.has(s)),
    forks,
    async (s) => {
      const started = performance.now();
      try {
        const r = await s.withConnection({ call, play, scope: scopeFor(rc, s, play) }, rc, (conn) => conn.exec(['sh', '-c', FACTS_SCRIPT], { probe: true }));
        if (r.code !== 0) throw new Error(`the facts script exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
        const facts = parseFacts(r.stdout);
        gathered.set(s, factVariables(facts));
        rc.reporter.verbose(s.name, `facts gathered in ${Math.round(performance.now() - started)} ms`);
      } catch (error) {
        const message = rc.masker.mask(error instanceof Error ? error.message : String(error));
        if (error instanceof ConnectionError) {
          unreachable.set(s, message.startsWith(`${s.name}: `) ? message.slice(s.name.length + 2) : message);
          return;
        }
        record({ host: s.name, play: play.name, task: call.name, type: call.type, status: 'failed', durationMs: performance.now() - started, message, reasons: [], diff: [] }, s);
      }
    },
  );
}
