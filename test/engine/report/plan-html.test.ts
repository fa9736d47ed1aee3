import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, renderPlanHtml } from '../../../engine/report/plan-html.ts';
import { SecretMasker } from '../../../engine/secrets.ts';
import { fixturePlan, UNMASKED_SECRET } from './plan-page-fixture.ts';

const masker = new SecretMasker([UNMASKED_SECRET]);
const page = renderPlanHtml(fixturePlan(), { mask: (t) => masker.mask(t) });

/** The summary table's row of HOST: its cells' text, tags stripped. */
function summaryRow(html: string, host: string): string[] {
  const table = html.slice(html.indexOf('<section class="summary">'), html.indexOf('</section>'));
  const row = table.split('<tr').find((r) => r.includes(`>${escapeHtml(host)}</a>`));
  assert.ok(row, `no summary row for ${host}`);
  return [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

describe('plan HTML page', () => {
  test('summary table: per host would change, ok, skipped, failed', () => {
    assert.deepEqual(summaryRow(page, 'quay1'), ['quay1', '2', '1', '1', '0']);
    assert.deepEqual(summaryRow(page, 'quay2'), ['quay2', '0', '2', '0', '0']);
    assert.deepEqual(summaryRow(page, 'quay3<script>alert(1)</script>'), ['quay3&lt;script&gt;alert(1)&lt;/script&gt;', '1', '0', '0', '1']);
    assert.match(page, /3 tasks would change on 2 of 3 hosts\./);
  });

  test('everything from the plan is escaped: a host name cannot inject markup', () => {
    assert.ok(!page.includes('<script'), 'raw <script> in the page');
    assert.ok(page.includes('quay3&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('+FEATURE_USER_CREATION: &lt;true &amp; &quot;quoted&quot;&gt;'));
  });

  test('diffs are rendered line by line: added, removed and hunk lines have their own class', () => {
    assert.ok(page.includes('<span class="ln del">-FEATURE_MAILING: false</span>'));
    assert.ok(page.includes('<span class="ln add">+FEATURE_MAILING: true</span>'));
    assert.ok(page.includes('<span class="ln hunk">@@ -1,3 +1,4 @@</span>'));
    assert.ok(page.includes('<span class="ln ctx"> SERVER_HOSTNAME: quay1.example.com</span>'));
    assert.ok(page.includes('changed; content hidden: private key'));
  });

  test('only tasks that would change or failed are listed per host', () => {
    assert.ok(page.includes('quay config.yaml') && page.includes('restart quay') && page.includes('server certificate'));
    assert.ok(!page.includes('quay storage directory'), 'an ok task is listed');
    assert.ok(!page.includes('mirror config'), 'a skipped task is listed');
    assert.ok(page.includes('quay database user'), 'the failed task is not listed');
  });

  test('every string passes the masker: a secret the plan left in a message is masked', () => {
    assert.ok(!page.includes(UNMASKED_SECRET));
    assert.ok(page.includes('password authentication failed (password ********)'));
  });

  test('inputs with their hashes, playbook and inventory', () => {
    for (const input of fixturePlan().inputs) {
      assert.ok(page.includes(`<code>${escapeHtml(input.name)}</code>`), input.name);
      assert.ok(page.includes(input.sha256), input.sha256);
    }
  });

  test('self-contained: no script, no external asset, a print stylesheet', () => {
    assert.doesNotMatch(page, /<script|<link|<img|<iframe|src=|@import|url\(/i);
    assert.deepEqual([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.startsWith('#')).filter((local) => !local), []);
    assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(page, /@media print/);
  });
});
