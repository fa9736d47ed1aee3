import { recordedOptionFlags, type PlanFile, type PlanHost, type PlanStep } from '../plan/plan-file.ts';
import type { FileDiff } from '../task.ts';
import { renderDiff } from './diff.ts';
import { writeOwnFile } from './local-file.ts';
import { PLAN_PAGE_STYLE } from './plan-html-style.ts';

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

type Text = (s: string) => string;

/**
 * The plan as one self-contained HTML page (inline CSS, no script, no external asset) that a
 * change board can read offline and print. Every string from the plan is masked, then escaped.
 */
export function renderPlanHtml(plan: PlanFile, options: PlanHtmlOptions = {}): string {
  const mask = options.mask ?? ((t: string) => t);
  const text: Text = (s) => escapeHtml(mask(s));
  const hosts = plan.hosts.map((host) => ({ host, tally: tally(host.steps) }));
  const totalChanges = hosts.reduce((n, h) => n + h.tally.changed, 0);
  const changingHosts = hosts.filter((h) => h.tally.changed > 0).length;
  const failingHosts = hosts.filter((h) => h.tally.failed > 0).length;

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The page is read offline and must not call out, even through a value that slipped in.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${text(`Plan: ${plan.playbook}`)}</title>`,
    `<style>${PLAN_PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="masthead">',
    '<p class="kicker">tackle plan &middot; nothing has been changed</p>',
    `<h1>${text(plan.playbook)}</h1>`,
    '<dl class="facts">',
    fact('Inventory', plan.inventory.length ? plan.inventory.map((i) => `<code>${text(i)}</code>`).join(', ') : 'none'),
    fact('Planned', `<time datetime="${text(plan.createdAt)}">${text(readableTime(plan.createdAt))}</time>`),
    fact('Hosts', String(plan.hosts.length)),
    fact('tackle', text(plan.tackleVersion)),
    '</dl>',
    `<p class="verdict ${totalChanges > 0 ? 'has-changes' : 'no-changes'}">${verdictSentence(totalChanges, changingHosts, plan.hosts.length, failingHosts)}</p>`,
    '</header>',
    '<main>',
    summarySection(hosts, text),
    '<section class="hosts">',
    '<h2>Changes per host</h2>',
    ...hosts.map(({ host, tally: t }) => hostSection(host, t, text)),
    '</section>',
    inputsSection(plan, text),
    '</main>',
    '<footer>Written by <code>tackle plan</code>. <code>tackle apply</code> on the plan file changes only what this page lists, and refuses a host whose state differs from it.</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** `tackle plan --html FILE`: the page, readable by the operator alone as the plan file (diffs show hosts' configuration). */
export async function writePlanHtml(path: string, plan: PlanFile, options: PlanHtmlOptions = {}): Promise<void> {
  await writeOwnFile(path, renderPlanHtml(plan, options), 0o600);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function fact(label: string, valueHtml: string): string {
  return `<div><dt>${label}</dt><dd>${valueHtml}</dd></div>`;
}

/** A failure that ignore_errors lets pass does not stop the host: it is not counted as failed. */
function isFailure(step: PlanStep): boolean {
  return step.verdict === 'unreachable' || (step.verdict === 'failed' && !step.ignored);
}

function tally(steps: PlanStep[]): Tally {
  const t: Tally = { changed: 0, ok: 0, skipped: 0, failed: 0 };
  for (const step of steps) {
    if (step.verdict === 'would change') t.changed++;
    else if (step.verdict === 'skipped') t.skipped++;
    else if (isFailure(step)) t.failed++;
    else t.ok++;
  }
  return t;
}

function verdictSentence(changes: number, changingHosts: number, hosts: number, failing: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const main =
    changes === 0 ? `Nothing would change on ${plural(hosts, 'host')}.` : `${plural(changes, 'task')} would change on ${changingHosts} of ${plural(hosts, 'host')}.`;
  return failing > 0 ? `${main} <strong>${plural(failing, 'host')} failed the check.</strong>` : main;
}

function summarySection(hosts: { host: PlanHost; tally: Tally }[], text: Text): string {
  const rows = hosts.map(({ host, tally: t }) => {
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

function hostSection(host: PlanHost, t: Tally, text: Text): string {
  const shown = host.steps.filter((s) => s.verdict === 'would change' || s.verdict === 'failed' || s.verdict === 'unreachable');
  const status = t.failed > 0 ? 'status-failed' : t.changed > 0 ? 'status-changed' : 'status-ok';
  // A host whose check failed is not known to need nothing: its headline names only the failure then.
  const headline = [...(t.changed > 0 ? [`${t.changed} would change`] : t.failed > 0 ? [] : ['nothing to change']), ...(t.failed > 0 ? [`${t.failed} failed`] : [])].join(', ');
  return [
    `<article class="host ${status}" id="${hostAnchor(host.name)}">`,
    `<h3><span class="host-name">${text(host.name)}</span><span class="host-status">${headline} &middot; ${t.ok} ok, ${t.skipped} skipped</span></h3>`,
    host.ended ? `<p class="ended">This host ${host.ended === 'unreachable' ? 'was unreachable' : 'failed'} in the plan's run: apply refuses it until it is planned again.</p>` : '',
    ...shown.map((step) => stepBlock(step, text)),
    '</article>',
  ].join('\n');
}

function stepBlock(step: PlanStep, text: Text): string {
  const label = step.verdict === 'failed' && step.ignored ? 'failed, ignored' : step.verdict;
  const verdictClass = step.verdict === 'would change' ? 'changed' : isFailure(step) ? 'failed' : 'ignored';
  const reasons = step.reasons.length ? `<ul class="reasons">${step.reasons.map((r) => `<li>${text(r)}</li>`).join('')}</ul>` : '';
  // A would-change step's message mostly repeats its reasons; a failure's message is the error.
  const repeatsReasons = step.message !== undefined && (step.reasons.includes(step.message) || step.message === step.reasons.join(', '));
  const message = step.message && !(step.verdict === 'would change' && repeatsReasons) ? `<p class="message">${text(step.message)}</p>` : '';
  const item = step.item !== undefined ? ` <span class="item">item ${text(step.item)}</span>` : '';
  const handler = step.handler ? ' <span class="handler">handler</span>' : '';
  return [
    `<section class="task verdict-${verdictClass}">`,
    `<h4><span class="pill">${text(label)}</span> <span class="task-name">${text(step.task)}</span>${item}${handler} <span class="task-type">${text(step.type)}</span></h4>`,
    `<p class="play">play ${text(step.play)} &middot; <code>${text(step.at)}</code></p>`,
    reasons,
    message,
    ...step.diff.map((d) => diffBlock(d, text)),
    '</section>',
  ].join('\n');
}

function diffBlock(d: FileDiff, text: Text): string {
  const title = `<div class="diff-file">${text(d.path)}${d.hidden === undefined && d.before === '' ? ' <span class="new-file">new file</span>' : ''}</div>`;
  if (d.hidden !== undefined) return `<div class="diff">${title}<p class="hidden-diff">changes; content hidden: ${text(d.hidden)}</p></div>`;
  // The patch header repeats the path the title shows; the hunks are what a reader checks.
  const lines = renderDiff(d).replace(/\n$/, '').split('\n');
  const firstHunk = lines.findIndex((l) => l.startsWith('@@'));
  if (firstHunk < 0) return `<div class="diff">${title}<p class="hidden-diff">no line differs</p></div>`;
  const rendered = lines.slice(firstHunk).map((line) => `<span class="${lineClass(line)}">${text(line)}</span>`);
  return `<div class="diff">${title}<pre>${rendered.join('')}</pre></div>`;
}

function lineClass(line: string): string {
  if (line.startsWith('@@')) return 'ln hunk';
  if (line.startsWith('+')) return 'ln add';
  if (line.startsWith('-')) return 'ln del';
  if (line.startsWith('\\')) return 'ln note';
  return 'ln ctx';
}

const INPUT_KINDS: Record<string, string> = { playbook: 'playbook', inventory: 'inventory', file: 'file', 'extra-vars': '-e value (hashed)' };

function inputsSection(plan: PlanFile, text: Text): string {
  const rows = plan.inputs.map(
    (i) => `<tr><td>${text(INPUT_KINDS[i.kind] ?? i.kind)}</td><td><code>${text(i.name)}</code></td><td><code class="hash">${text(i.hash)}</code></td></tr>`,
  );
  const options = recordedOptionFlags(plan.options);
  return [
    '<section class="inputs">',
    '<h2>Inputs</h2>',
    `<p class="command"><code>tackle ${text(plan.commandLine.join(' '))}</code></p>`,
    `<p>Run options apply holds to: <code>${text(options.join(' '))}</code>. apply refuses this plan when any input below differs from what was planned.</p>`,
    '<table>',
    '<thead><tr><th scope="col">Kind</th><th scope="col">Input</th><th scope="col">Hash</th></tr></thead>',
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
