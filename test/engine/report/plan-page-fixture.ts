import type { PlanPage } from '../../../engine/report/plan-html.ts';

/** A secret the fixture's run did not mask (as an -e value could be): the page must mask it. */
export const UNMASKED_SECRET = 'hunter2-quay-db-password';

/** A plan of three hosts, as the issue describes one: a change, nothing, and a failed check with a hidden diff. */
export function fixturePlan(): PlanPage {
  return {
    playbook: 'playbooks/quay-with-clair.yml',
    inventory: ['hosts.yml'],
    createdAt: '2026-12-01T22:15:00.000Z',
    tackleVersion: '0.1.0',
    inputs: [
      { kind: 'playbook', name: 'playbooks/quay-with-clair.yml', sha256: 'a'.repeat(64) },
      { kind: 'inventory', name: 'hosts.yml', sha256: 'b'.repeat(64) },
      { kind: 'vars file', name: 'playbooks/vars/quay.yml', sha256: 'c'.repeat(64) },
      { kind: 'extra vars', name: '-e #1', sha256: 'd'.repeat(64) },
    ],
    hosts: [
      {
        name: 'quay1',
        tasks: [
          { play: 'Red Hat Quay with Clair v4', task: 'quay storage directory', type: 'directory', verdict: 'ok', reasons: [], diff: [] },
          {
            play: 'Red Hat Quay with Clair v4',
            task: 'quay config.yaml',
            type: 'writeConfig',
            verdict: 'changed',
            reasons: ['content differs'],
            diff: [
              {
                path: '/srv/quay/config/config.yaml',
                before: 'SERVER_HOSTNAME: quay1.example.com\nDB_URI: postgresql://quay:********@db/quay\nFEATURE_MAILING: false\n',
                after: 'SERVER_HOSTNAME: quay1.example.com\nDB_URI: postgresql://quay:********@db/quay\nFEATURE_MAILING: true\nFEATURE_USER_CREATION: <true & "quoted">\n',
              },
            ],
          },
          { play: 'Red Hat Quay with Clair v4', task: 'restart quay', type: 'systemdEnable', verdict: 'changed', reasons: ['unit file differs', 'restart requested'], diff: [] },
          { play: 'Red Hat Quay with Clair v4', task: 'mirror config', type: 'quayMirror', verdict: 'skipped', reasons: [], diff: [] },
        ],
      },
      {
        name: 'quay2',
        tasks: [
          { play: 'Red Hat Quay with Clair v4', task: 'quay storage directory', type: 'directory', verdict: 'ok', reasons: [], diff: [] },
          { play: 'Red Hat Quay with Clair v4', task: 'quay config.yaml', type: 'writeConfig', verdict: 'ok', reasons: [], diff: [] },
        ],
      },
      {
        name: 'quay3<script>alert(1)</script>',
        tasks: [
          {
            play: 'Red Hat Quay with Clair v4',
            task: 'server certificate',
            type: 'signCert',
            verdict: 'changed',
            reasons: ['SANs differ'],
            diff: [
              { path: '/srv/quay/config/ssl.key', before: '', after: '', hidden: 'private key' },
              { path: '/srv/quay/config/ssl.cert', before: '', after: 'subject=CN=quay3\n' },
            ],
          },
          {
            play: 'Red Hat Quay with Clair v4',
            task: 'quay database user',
            type: 'command',
            verdict: 'failed',
            reasons: [],
            diff: [],
            message: `psql: password authentication failed (password ${UNMASKED_SECRET})`,
          },
        ],
      },
    ],
  };
}
