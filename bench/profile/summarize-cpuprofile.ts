/**
 * Sums a .cpuprofile (node --cpu-prof) by where the time went: self time per package or
 * source directory, and the hottest functions.
 *   node --import tsx bench/profile/summarize-cpuprofile.ts FILE.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Profile;
const top = Number(process.argv[3] ?? 15);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/(engine|tasks|bin|bench|test)\/((?:[^/]+\/)*)/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

const buckets = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const b = bucket(n.callFrame.url, n.callFrame.functionName);
  buckets.set(b, (buckets.get(b) ?? 0) + us);
  const f = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|engine|tasks)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  functions.set(f, (functions.get(f) ?? 0) + us);
}
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Time inside each package, charged to the first project frame that called into it. */
const callers = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const b = bucket(n.callFrame.url, n.callFrame.functionName);
  if (!b.startsWith('npm:')) continue;
  let up = parent.get(id);
  while (up !== undefined && !/\/(engine|tasks|bin)\//.test(byId.get(up)!.callFrame.url)) up = parent.get(up);
  const caller = up === undefined ? '(module loading / other)' : `${byId.get(up)!.callFrame.functionName || '(anonymous)'} ${byId.get(up)!.callFrame.url.replace(/^.*\/(engine|tasks|bin)\//, '$1/')}`;
  const key = `${b} <- ${caller}`;
  callers.set(key, (callers.get(key) ?? 0) + us);
}
const total = profile.endTime - profile.startTime;
const show = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(`profile span ${(total / 1000).toFixed(0)} ms\n\nself time by package / directory:\n${show(buckets)}\n\nhottest functions:\n${show(functions)}\n\npackages by the project code calling them:\n${show(callers)}`);
