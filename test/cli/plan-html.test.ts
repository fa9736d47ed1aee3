import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { readPlanFile } from '../../engine/plan/plan-file.ts';
import { dumpDom, pngSize, requireChromium, screenshot, visibleText } from '../helpers/chromium.ts';
import { tackle } from '../helpers/cli.ts';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';

/** Secrets from each kind of source the page could show: a !secret var, a secrets.yml value, -e @file, and a host-side value. */
const SECRETS = {
  tagged: 'db-pw-tagged-5150',
  secretsFile: 'clair-psk-from-secrets-file-7311',
  extraVarsFile: 'api-token-from-e-file-9042',
  hostSide: 'old-pw-only-on-host-6620',
};
/** A plain -e value no task prints: the command line in the plan and on the page must not carry it. */
const PLAIN_EXTRA_VALUE = 'CHG-2026-plain-e-value-4471';

const PLAYBOOK = `- name: App fleet
  hosts: all
  vars:
    db_password: !secret ${SECRETS.tagged}
  vars_files: [secrets.yml]
  tasks:
    - name: app directory
      directory: {path: "{{ root }}/{{ inventory_hostname }}"}
    - name: app config
      writeConfig:
        path: "{{ root }}/{{ inventory_hostname }}/app.yml"
        content: {DB_URI: "postgresql://app:{{ db_password }}@db/app", LOG_LEVEL: "{{ log_level }}"}
    - name: api credentials
      writeConfig:
        path: "{{ root }}/{{ inventory_hostname }}/api.conf"
        mode: "0600"
        content: {token: "{{ api_token }}", psk: "{{ clair_psk }}"}
`;

describe('tackle plan --html over ssh and local: the page a change board reads, in headless Chromium', () => {
  let ssh: SshTestHosts;
  let dir: string;
  let root: string;
  const hosts = ['host1', 'host2', 'controller'];
  const planArgs = (logLevel: string) => ['site.yml', '-i', 'hosts.yml', '-e', '@extra.yml', '-e', `change_ticket=${PLAIN_EXTRA_VALUE}`, '-e', `log_level=${logLevel}`];

  before(async () => {
    requireChromium();
    ssh = await startSshHosts(2);
    dir = mkdtempSync(join(tmpdir(), 'tackle-plan-html-'));
    root = join(dir, 'state');
    const inventory = parse(ssh.inventoryYaml({ root })) as { all: { hosts: Record<string, unknown> } };
    inventory.all.hosts['controller'] = { ansible_connection: 'local', root };
    writeFileSync(join(dir, 'hosts.yml'), stringify(inventory));
    writeFileSync(join(dir, 'site.yml'), PLAYBOOK);
    writeFileSync(join(dir, 'secrets.yml'), `clair_psk: ${SECRETS.secretsFile}\n`);
    writeFileSync(join(dir, 'extra.yml'), `api_token: !secret ${SECRETS.extraVarsFile}\n`);
    const converge = await tackle(['run', ...planArgs('info')], { cwd: dir });
    assert.equal(converge.code, 0, converge.stdout + converge.stderr);
    // host2 drifts by hand: a host-side password under a secret-looking key, and another log level.
    writeFileSync(join(root, 'host2', 'app.yml'), `DB_URI: postgresql://app:${SECRETS.hostSide}@db/app\nLOG_LEVEL: debug\n`);
  });
  after(async () => {
    await ssh?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the plan names every host; the page shows them and the one would-change task, with its diff, and no secret', async () => {
    const plan = await tackle(['plan', ...planArgs('info'), '--out', 'plan.json', '--html', 'plan.html'], { cwd: dir });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const planFile = await readPlanFile(join(dir, 'plan.json'));
    assert.deepEqual(planFile.hosts.map((h) => h.name).sort(), [...hosts].sort());
    const changing = planFile.hosts.flatMap((h) => h.steps.filter((s) => s.verdict === 'would change').map((s) => `${h.name}: ${s.task}`));
    assert.deepEqual(changing, ['host2: app config']);

    const html = readFileSync(join(dir, 'plan.html'), 'utf8');
    const text = visibleText(await dumpDom(join(dir, 'plan.html')));
    for (const host of hosts) assert.ok(text.includes(host), `host ${host} is not on the page`);
    assert.ok(text.includes('app config'), 'the would-change task is not on the page');
    assert.ok(text.includes('-LOG_LEVEL: debug') && text.includes('+LOG_LEVEL: info'), `the diff is not on the page:\n${text}`);
    assert.ok(text.includes('1 task would change on 1 of 3 hosts.'), text);
    for (const [where, content] of [['HTML', html], ['page text', text], ['plan JSON', readFileSync(join(dir, 'plan.json'), 'utf8')]] as const) {
      for (const secret of [...Object.values(SECRETS), PLAIN_EXTRA_VALUE]) assert.ok(!content.includes(secret), `${secret} appears in the ${where}`);
    }
  });

  test('a screenshot of the page is a PNG of the window size with content', async () => {
    const png = await screenshot(join(dir, 'plan.html'), join(dir, 'plan.png'));
    assert.deepEqual(pngSize(png), { width: 1280, height: 2000 });
    assert.ok(png.length > 30_000, `screenshot of ${png.length} bytes looks empty`);
  });
});
