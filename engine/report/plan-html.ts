import type { FileDiff } from '../task.ts';
import { renderDiff } from './diff.ts';
import { PLAN_PAGE_STYLE } from './plan-html-style.ts';

export type PlanVerdict = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

/** One task on one host as the plan recorded it (strings already masked by the run). */
export interface PlanPageTask {
  play: string;
  task: string;
  type: string;
  verdict: PlanVerdict;
  reasons: string[];
  diff: FileDiff[];
  message?: string;
}

export interface PlanPageInput {
  /** What the file is to the run: playbook, inventory, vars file, extra vars... */
  kind: string;
  /** As given (a path), or a label such as "-e #1" for an input that is not a file. */
  name: string;
  sha256: string;
}

/** What the HTML page shows: a plan file, seen by the change board. */
export interface PlanPage {
  playbook: string;
  inventory: string[];
  /** ISO 8601 time the plan was made. */
  createdAt: string;
  tackleVersion?: string;
  inputs: PlanPageInput[];
  hosts: { name: string; tasks: PlanPageTask[] }[];
}

export interface PlanHtmlOptions {
  /** Applied to every string before it is escaped: the run's secret masker. */
  mask?: (text: string) => string;
}

interface Tally {
  changed: number;
  ok: number;
  skipped: number;
  failed: number;
}

/**
 * The plan as one self-contained HTML page (inline CSS, no script, no external asset) that a
 * change board can read offline and print. Every string from the plan is masked, then escaped.
 */
export function renderPlanHtml(plan: PlanPage, options: PlanHtmlOptions = {}): string {
  const mask = options.mask ?? ((t: string) => t);
  const text = (s: string): string => escapeHtml(mask(s));
  const tallies = plan.hosts.map((h) => ({ host: h, tally: tally(h.tasks) }));
  const changingHosts = tallies.filter((t) => t.tally.changed > 0).length;
  const totalChanges = tallies.reduce((n, t) => n + t.tally.changed, 0);
  const failing = tallies.filter((t) => t.tally.failed > 0).length;
  const title = `Plan: ${plan.playbook}`;

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No fetch of anything, even by accident: the page is read offline and must not call out.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${text(title)}</title>`,
    `<style>${PLAN_PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="masthead">',
    `<p class="kicker">tackle plan &middot; nothing has been changed</p>`,
    `<h1>${text(plan.playbook)}</h1>`,
    '<dl class="facts">',
    `<div><dt>Inventory</dt><dd>${plan.inventory.length ? plan.inventory.map((i) => `<code>${text(i)}</code>`).join(', ') : 'none'}</dd></div>`,
    `<div><dt>Planned</dt><dd><time datetime="${text(plan.createdAt)}">${text(readableTime(plan.createdAt))}</time></dd></div>`,
    plan.tackleVersion ? `<div><dt>tackle</dt><dd>${text(plan.tackleVersion)}</dd></div>` : '',
    `<div><dt>Hosts</dt><dd>${plan.hosts.length}</dd></div>`,
    '</dl>',
    `<p class="verdict ${totalChanges > 0 ? 'has-changes' : 'no-changes'}">${verdictSentence(totalChanges, changingHosts, plan.hosts.length, failing)}</p>`,
    '</header>',
    '<main>',
    summarySection(tallies, text),
    '<section class="hosts">',
    '<h2>Changes per host</h2>',
    ...tallies.map(({ host, tally: t }) => hostSection(host.name, host.tasks, t, text)),
    '</section>',
    inputsSection(plan, text),
    '</main>',
    `<footer>Written by tackle plan. Apply with <code>tackle apply</code> on the plan file; hosts whose state differs from this plan are refused.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function tally(tasks: PlanPageTask[]): Tally {
  const t: Tally = { changed: 0, ok: 0, skipped: 0, failed: 0 };
  for (const task of tasks) {
    if (task.verdict === 'unreachable') t.failed++;
    else t[task.verdict]++;
  }
  return t;
}

function verdictSentence(changes: number, changingHosts: number, hosts: number, failing: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const main = changes === 0 ? `Nothing would change on ${plural(hosts, 'host')}.` : `${plural(changes, 'task')} would change on ${changingHosts} of ${plural(hosts, 'host')}.`;
  return failing > 0 ? `${main} <strong>${plural(failing, 'host')} failed the check.</strong>` : main;
}

function summarySection(tallies: { host: { name: string }; tally: Tally }[], text: (s: string) => string): string {
  const rows = tallies.map(({ host, tally: t }) => {
    const rowClass = t.failed > 0 ? 'row-failed' : t.changed > 0 ? 'row-changed' : 'row-ok';
    return (
      `<tr class="${rowClass}"><th scope="row"><a href="#${hostAnchor(host.name)}">${text(host.name)}</a></th>` +
      `<td class="num changed">${count(t.changed)}</td><td class="num">${t.ok}</td><td class="num">${t.skipped}</td><td class="num failed">${count(t.failed)}</td></tr>`
    );
  });
  return [
    '<section class="summary">',
    '<h2>Summary</h2>',
    '<table>',
    '<thead><tr><th scope="col">Host</th><th scope="col" class="num">Would change</th><th scope="col" class="num">OK</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Failed</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function count(n: number): string {
  return n === 0 ? '<span class="zero">0</span>' : `<span class="badge">${n}</span>`;
}

/** Host names are free text in an inventory; the anchor must still be a valid, unique id. */
function hostAnchor(name: string): string {
  return `host-${Buffer.from(name, 'utf8').toString('hex')}`;
}

function hostSection(name: string, tasks: PlanPageTask[], t: Tally, text: (s: string) => string): string {
  const shown = tasks.filter((task) => task.verdict === 'changed' || task.verdict === 'failed' || task.verdict === 'unreachable');
  const rest = `${t.ok} ok, ${t.skipped} skipped`;
  const status = t.failed > 0 ? 'status-failed' : t.changed > 0 ? 'status-changed' : 'status-ok';
  const headline = t.changed > 0 ? `${t.changed} would change` : 'nothing to change';
  return [
    `<article class="host ${status}" id="${hostAnchor(name)}">`,
    `<h3><span class="host-name">${text(name)}</span><span class="host-status">${headline}${t.failed > 0 ? `, ${t.failed} failed` : ''} &middot; ${rest}</span></h3>`,
    ...shown.map((task) => taskBlock(task, text)),
    '</article>',
  ].join('\n');
}

function taskBlock(task: PlanPageTask, text: (s: string) => string): string {
  const label = task.verdict === 'changed' ? 'would change' : task.verdict;
  const reasons = task.reasons.length ? `<ul class="reasons">${task.reasons.map((r) => `<li>${text(r)}</li>`).join('')}</ul>` : '';
  const message = task.message ? `<p class="message">${text(task.message)}</p>` : '';
  return [
    `<section class="task verdict-${task.verdict}">`,
    `<h4><span class="pill">${label}</span> <span class="task-name">${text(task.task)}</span> <span class="task-type">${text(task.type)}</span></h4>`,
    `<p class="play">play: ${text(task.play)}</p>`,
    reasons,
    message,
    ...task.diff.map((d) => diffBlock(d, text)),
    '</section>',
  ].join('\n');
}

function diffBlock(d: FileDiff, text: (s: string) => string): string {
  if (d.hidden !== undefined) {
    return `<div class="diff"><div class="diff-file">${text(d.path)}</div><p class="hidden-diff">changed; content hidden: ${text(d.hidden)}</p></div>`;
  }
  // The patch header repeats the path the block title already shows; the hunks are what a reader checks.
  const lines = renderDiff(d).replace(/\n$/, '').split('\n');
  const body = lines.slice(lines.findIndex((l) => l.startsWith('@@')));
  const rendered = body.map((line) => `<span class="${lineClass(line)}">${text(line) || ' '}</span>`).join('');
  const empty = lines.every((l) => !l.startsWith('@@'));
  return [
    '<div class="diff">',
    `<div class="diff-file">${text(d.path)}${d.before === '' ? ' <span class="new-file">new file</span>' : ''}</div>`,
    empty ? '<p class="hidden-diff">no line differs (attributes only)</p>' : `<pre>${rendered}</pre>`,
    '</div>',
  ].join('\n');
}

function lineClass(line: string): string {
  if (line.startsWith('@@')) return 'ln hunk';
  if (line.startsWith('+')) return 'ln add';
  if (line.startsWith('-')) return 'ln del';
  if (line.startsWith('\\')) return 'ln note';
  return 'ln ctx';
}

function inputsSection(plan: PlanPage, text: (s: string) => string): string {
  const rows = plan.inputs.map((i) => `<tr><td>${text(i.kind)}</td><td><code>${text(i.name)}</code></td><td><code class="hash">${text(i.sha256)}</code></td></tr>`);
  return [
    '<section class="inputs">',
    '<h2>Inputs</h2>',
    '<p>apply refuses this plan if any of these files differs from what was planned (SHA-256 of the content).</p>',
    '<table>',
    '<thead><tr><th scope="col">Kind</th><th scope="col">Input</th><th scope="col">SHA-256</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function readableTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
