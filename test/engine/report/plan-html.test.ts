import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, renderPlanHtml, writePlanHtml } from '../../../engine/report/plan-html.ts';
import { SecretMasker } from '../../../engine/secrets.ts';
import { fixturePlan, HOSTILE_HOST, UNMASKED_SECRET } from './plan-page-fixture.ts';

const masker = new SecretMasker([UNMASKED_SECRET]);
const page = renderPlanHtml(fixturePlan(), { mask: (t) => masker.mask(t) });

/** The summary table's row of HOST: its cells' text, tags stripped. */
function summaryRow(host: string): string[] {
  const table = page.slice(page.indexOf('<section class="summary">'), page.indexOf('</section>'));
  const row = table.split('<tr').find((r) => r.includes(`>${escapeHtml(host)}</a>`));
  assert.ok(row, `no summary row for ${host}`);
  return [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

/** The page's article for HOST. */
function hostArticle(host: string): string {
  const start = page.indexOf(`<span class="host-name">${escapeHtml(host)}</span>`);
  assert.ok(start > 0, `no section for ${host}`);
  return page.slice(start, page.indexOf('</article>', start));
}

describe('plan HTML page', () => {
  test('summary table: per host would change, ok, skipped, failed (an ignored failure does not count as failed)', () => {
    assert.deepEqual(summaryRow('quay1'), ['quay1', '0', '3', '0', '0']);
    assert.deepEqual(summaryRow('quay2'), ['quay2', '4', '1', '0', '0']);
    assert.deepEqual(summaryRow('quay3'), ['quay3', '0', '0', '0', '1']);
    assert.deepEqual(summaryRow(HOSTILE_HOST), [escapeHtml(HOSTILE_HOST), '1', '1', '1', '0']);
    assert.match(page, /5 tasks would change on 2 of 4 hosts\. <strong>1 host failed the check\.<\/strong>/);
  });

  test('everything from the plan is escaped: a host name cannot inject markup', () => {
    assert.ok(!page.includes('<script'), 'raw <script> in the page');
    assert.ok(page.includes('quay4&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('+FEATURE_USER_CREATION: &lt;true &amp; &quot;quoted&quot;&gt;'));
  });

  test('diffs are rendered line by line: added, removed, context and hunk lines have their own class', () => {
    const quay2 = hostArticle('quay2');
    assert.ok(quay2.includes('<span class="ln del">-FEATURE_MIRROR: false</span>'));
    assert.ok(quay2.includes('<span class="ln add">+FEATURE_MIRROR: true</span>'));
    assert.ok(quay2.includes('<span class="ln hunk">@@ -1,3 +1,3 @@</span>'));
    assert.ok(quay2.includes('<span class="ln ctx"> SERVER_HOSTNAME: quay2</span>'));
    assert.ok(quay2.includes('content hidden: secret file'));
  });

  test('per host: the tasks that would change and the failures, each with its playbook location; nothing that is ok', () => {
    const quay2 = hostArticle('quay2');
    for (const task of ['quay config.yaml', 'quay container', 'clair psk', 'restart quay']) assert.ok(quay2.includes(`<span class="task-name">${task}</span>`), task);
    assert.ok(!quay2.includes('quay unit'), 'an ok task is listed');
    assert.ok(quay2.includes('<code>playbooks/quay-with-clair.yml:40:7</code>'));
    assert.match(quay2, /restart quay<\/span> <span class="handler">handler<\/span>/);
    assert.ok(hostArticle('quay1').includes('nothing to change'));
    assert.ok(!hostArticle(HOSTILE_HOST).includes('<p class="message">content differs</p>'), 'a message that repeats the reasons is shown');
    assert.ok(!hostArticle('quay1').includes('class="task'), 'a converged host lists tasks');
    assert.ok(hostArticle('quay3').includes('permission denied: /srv/quay/config'));
    assert.ok(hostArticle('quay3').includes("failed in the plan's run: apply refuses it until it is planned again"));
    assert.ok(!hostArticle('quay2').includes('apply refuses it'));
    assert.ok(hostArticle(HOSTILE_HOST).includes('failed, ignored'));
    assert.ok(!hostArticle(HOSTILE_HOST).includes('quay storage'), 'a skipped task is listed');
  });

  test('every string passes the masker: a secret the plan left in a message is masked', () => {
    assert.ok(!page.includes(UNMASKED_SECRET));
    assert.ok(page.includes('password authentication failed (password ********)'));
  });

  test('inputs with their hashes, the command line, playbook and inventory', () => {
    const plan = fixturePlan();
    for (const input of plan.inputs) {
      assert.ok(page.includes(`<code>${escapeHtml(input.name)}</code>`), input.name);
      assert.ok(page.includes(input.hash), input.hash);
    }
    assert.ok(page.includes(`<code>tackle ${escapeHtml(plan.commandLine.join(' '))}</code>`));
    assert.ok(page.includes(`<h1>${plan.playbook}</h1>`) && page.includes('<code>hosts.yml</code>'));
  });

  test('the recorded run options apply holds to, the slice and become ones too', () => {
    const plan = { ...fixturePlan(), options: { limit: ['quay[1:2]'], tags: ['tls'], skipTags: [], forks: 5, slice: '1/2', become: true, becomeUser: 'quay', connection: 'ssh' } };
    const shown = renderPlanHtml(plan);
    assert.ok(shown.includes(`<code>${escapeHtml('--limit quay[1:2] --slice 1/2 --tags tls --forks 5 -c ssh -b --become-user quay')}</code>`), shown.slice(shown.indexOf('Run options')));
  });

  test('self-contained: no script, no external asset, a print stylesheet', () => {
    assert.doesNotMatch(page, /<script|<link|<img|<iframe|src=|@import|url\(/i);
    assert.deepEqual([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!).filter((href) => !href.startsWith('#host-')), []);
    assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(page, /@media print/);
  });

  test('written owner-only (0600), whatever the umask: diffs show hosts\' configuration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tackle-plan-html-'));
    try {
      const file = join(dir, 'plan.html');
      const old = process.umask(0o000);
      try {
        await writePlanHtml(file, fixturePlan(), { mask: (t) => masker.mask(t) });
      } finally {
        process.umask(old);
      }
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal(await readFile(file, 'utf8'), page);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
