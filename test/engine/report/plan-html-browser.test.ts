import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderPlanHtml } from '../../../engine/report/plan-html.ts';
import { SecretMasker } from '../../../engine/secrets.ts';
import { dumpDom, pngSize, printToPdf, requireChromium, screenshot, visibleText } from '../../helpers/chromium.ts';
import { fixturePlan, HOSTILE_HOST, UNMASKED_SECRET } from './plan-page-fixture.ts';

describe('plan HTML page in headless Chromium', () => {
  let dir: string;
  let htmlFile: string;

  before(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), 'tackle-plan-html-'));
    htmlFile = join(dir, 'plan.html');
    const masker = new SecretMasker([UNMASKED_SECRET]);
    await writeFile(htmlFile, renderPlanHtml(fixturePlan(), { mask: (t) => masker.mask(t) }));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the rendered text shows every host and every would-change task, and no secret', async () => {
    const text = visibleText(await dumpDom(htmlFile));
    const plan = fixturePlan();
    for (const host of plan.hosts) {
      assert.ok(text.includes(host.name), `host ${host.name} not on the page`);
      for (const step of host.steps.filter((s) => s.verdict === 'would change')) assert.ok(text.includes(step.task), `${host.name}: ${step.task} not on the page`);
    }
    assert.ok(text.includes('-FEATURE_MIRROR: false') && text.includes('+FEATURE_MIRROR: true'), 'the diff is not shown');
    assert.ok(!text.includes(UNMASKED_SECRET), 'a secret is on the page');
    // The host name with markup in it is text, not a script that ran and vanished.
    assert.ok(text.includes(HOSTILE_HOST));
  });

  test('a screenshot at 1280x2000 is a PNG with content', async () => {
    const png = await screenshot(htmlFile, join(dir, 'plan.png'));
    assert.deepEqual(pngSize(png), { width: 1280, height: 2000 });
    // A blank page of that size compresses to a few KB; the fixture's page is well over 50 KB.
    assert.ok(png.length > 50_000, `screenshot of ${png.length} bytes looks empty`);
  });

  test('the page prints to PDF (the print stylesheet applies)', async () => {
    const pdf = await printToPdf(htmlFile, join(dir, 'plan.pdf'));
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length > 10_000, `PDF of ${pdf.length} bytes looks empty`);
  });
});
