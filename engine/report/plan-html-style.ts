/** The plan page's stylesheet, inlined so the page stands alone; the print rules make it a paper document. */
export const PLAN_PAGE_STYLE = `
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --wash: #f6f8fa;
  --change: #9a6700; --change-bg: #fff8c5; --fail: #cf222e; --fail-bg: #ffebe9; --ok: #1a7f37;
  --add-bg: #dafbe1; --add-ink: #116329; --del-bg: #ffebe9; --del-ink: #82071e; --hunk-bg: #ddf4ff; --hunk-ink: #0550ae;
  --mono: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { background: var(--wash); }
body {
  margin: 0 auto; max-width: 1120px; padding: 32px 40px 48px; background: var(--paper); color: var(--ink);
  font: 15px/1.5 system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; min-height: 100vh;
}
h1, h2, h3, h4 { line-height: 1.25; }
h1 { font-size: 28px; margin: 4px 0 12px; word-break: break-all; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
code { font-family: var(--mono); font-size: 0.9em; }
a { color: inherit; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; font-size: 12px; font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0 0 16px; }
.facts div { display: flex; gap: 8px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.verdict { margin: 0; padding: 12px 16px; border-radius: 6px; font-size: 16px; border: 1px solid var(--line); }
.verdict.has-changes { background: var(--change-bg); border-color: #d4a72c; }
.verdict.no-changes { background: #dafbe1; border-color: #4ac26b; }
.verdict strong { color: var(--fail); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; background: var(--wash); }
.num { text-align: right; font-variant-numeric: tabular-nums; width: 8.5em; white-space: nowrap; }
.summary tbody th a { text-decoration: none; font-family: var(--mono); }
.summary tbody th a:hover { text-decoration: underline; }
.summary .row-changed { background: #fffdf0; }
.summary .row-failed { background: #fff5f5; }
.zero { color: #afb8c1; }
.badge { display: inline-block; min-width: 2em; padding: 0 8px; border-radius: 10px; text-align: center; font-weight: 700; }
.changed .badge { background: var(--change-bg); color: var(--change); border: 1px solid #d4a72c; }
.failed .badge { background: var(--fail-bg); color: var(--fail); border: 1px solid #ff8182; }
.host { margin: 0 0 20px; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.host h3 { margin: 0; padding: 10px 16px; background: var(--wash); display: flex; justify-content: space-between; gap: 16px; align-items: baseline; flex-wrap: wrap; border-left: 6px solid var(--line); }
.host.status-changed h3 { border-left-color: #d4a72c; }
.host.status-failed h3 { border-left-color: var(--fail); }
.host.status-ok h3 { border-left-color: #4ac26b; }
.host-name { font-family: var(--mono); font-size: 17px; }
.host-status { font-size: 13px; font-weight: 400; color: var(--muted); }
.ended { margin: 0; padding: 8px 16px; border-top: 1px solid var(--line); background: var(--fail-bg); color: var(--fail); font-size: 14px; font-weight: 600; }
.task { padding: 12px 16px 14px; border-top: 1px solid var(--line); }
.task h4 { margin: 0 0 2px; font-size: 15px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; vertical-align: 1px; }
.verdict-changed .pill { background: var(--change-bg); color: var(--change); border: 1px solid #d4a72c; }
.verdict-failed .pill, .verdict-unreachable .pill { background: var(--fail-bg); color: var(--fail); border: 1px solid #ff8182; }
.verdict-ignored .pill { background: var(--wash); color: var(--muted); border: 1px solid var(--line); }
.item, .handler { font-size: 12px; font-weight: 600; padding: 0 6px; border-radius: 4px; border: 1px solid var(--line); color: var(--muted); }
.handler { color: var(--hunk-ink); border-color: #54aeff; background: var(--hunk-bg); }
.task-type { font-family: var(--mono); font-size: 12px; font-weight: 400; color: var(--muted); }
.play { margin: 0 0 6px; font-size: 12px; color: var(--muted); }
.reasons { margin: 4px 0 8px; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 6px; }
.reasons li { font-size: 12px; padding: 1px 8px; border-radius: 4px; background: var(--wash); border: 1px solid var(--line); }
.message { margin: 4px 0 8px; padding: 8px 10px; background: var(--fail-bg); border-radius: 4px; font-family: var(--mono); font-size: 13px; white-space: pre-wrap; word-break: break-word; }
.verdict-changed .message { background: var(--wash); font-family: inherit; }
.verdict-ignored .message { background: var(--wash); color: var(--muted); }
.diff { margin: 8px 0 0; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.diff-file { padding: 4px 10px; background: var(--wash); border-bottom: 1px solid var(--line); font-family: var(--mono); font-size: 13px; font-weight: 600; word-break: break-all; }
.new-file { font-family: system-ui, sans-serif; font-size: 11px; font-weight: 700; color: var(--ok); text-transform: uppercase; margin-left: 6px; }
.diff pre { margin: 0; padding: 4px 0; font-family: var(--mono); font-size: 12.5px; line-height: 1.45; white-space: pre-wrap; word-break: break-all; }
.ln { display: block; padding: 0 10px; }
.ln.add { background: var(--add-bg); color: var(--add-ink); }
.ln.del { background: var(--del-bg); color: var(--del-ink); }
.ln.hunk { background: var(--hunk-bg); color: var(--hunk-ink); }
.ln.note { color: var(--muted); font-style: italic; }
.hidden-diff { margin: 0; padding: 6px 10px; font-size: 13px; color: var(--muted); font-style: italic; }
.inputs .command { padding: 8px 10px; background: var(--wash); border: 1px solid var(--line); border-radius: 4px; color: var(--ink); word-break: break-all; }
.inputs p { color: var(--muted); font-size: 14px; margin: 0 0 8px; }
.hash { font-size: 12px; word-break: break-all; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@media print {
  @page { margin: 16mm 14mm; }
  html { background: none; }
  body { max-width: none; padding: 0; font-size: 10.5pt; min-height: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  .summary table, .host h3, .task h4, .diff-file { break-inside: avoid; break-after: avoid; }
  .task { break-inside: avoid-page; }
  .host { border-radius: 0; overflow: visible; }
  .summary tbody th a { text-decoration: none; }
  .diff pre { font-size: 8.5pt; }
}
`;
