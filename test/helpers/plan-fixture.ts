import { MASK } from '../../engine/secrets.ts';
import { PLAN_FORMAT, PLAN_VERSION, type PlanFile, type PlanStep } from '../../engine/plan/plan-file.ts';

/**
 * A plan as `tackle plan` writes it, for tests of what reads plans (the HTML page): three hosts,
 * one converged, one with config and container changes (one diff hidden, one with a masked secret),
 * one with a failed check.
 */
export function examplePlan(): PlanFile {
  const step = (task: string, type: string, line: number, extra: Partial<PlanStep> = {}): PlanStep => ({
    play: 'Quay with Clair',
    task,
    type,
    at: `playbooks/quay-with-clair.yml:${line}:7`,
    verdict: 'ok',
    reasons: [],
    diff: [],
    fingerprint: { state: `sha256:${String(line).padStart(64, '0')}` },
    ...extra,
  });
  const converged = (): PlanStep[] => [
    step('quay config.yaml', 'writeConfig', 40),
    step('quay container', 'podmanRun', 60),
    step('quay unit', 'systemdEnable', 80),
  ];
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    createdAt: '2026-12-01T22:00:00.000Z',
    tackleVersion: '0.1.0',
    commandLine: ['plan', 'playbooks/quay-with-clair.yml', '-i', 'hosts.yml', '-e', '-e #1', '--out', 'plan.json'],
    playbook: 'playbooks/quay-with-clair.yml',
    inventory: ['hosts.yml'],
    options: { limit: [], tags: [], skipTags: [], forks: 20 },
    baseDir: '/srv/ops',
    inputs: [
      { kind: 'playbook', name: 'playbooks/quay-with-clair.yml', hash: `sha256:${'a'.repeat(64)}` },
      { kind: 'inventory', name: 'hosts.yml', hash: `sha256:${'b'.repeat(64)}` },
      { kind: 'file', name: 'playbooks/group_vars/all.yml', hash: `sha256:${'c'.repeat(64)}` },
      { kind: 'extra-vars', name: '-e #1', hash: `scrypt:${'d'.repeat(32)}:${'e'.repeat(64)}` },
    ],
    hosts: [
      { name: 'quay1', steps: converged() },
      {
        name: 'quay2',
        steps: [
          step('quay config.yaml', 'writeConfig', 40, {
            verdict: 'would change',
            reasons: ['content differs'],
            diff: [{ path: '/srv/quay/config/config.yaml', before: `SERVER_HOSTNAME: quay2\nDB_URI: postgresql://quay:${MASK}@db/quay\nFEATURE_MIRROR: false\n`, after: `SERVER_HOSTNAME: quay2\nDB_URI: postgresql://quay:${MASK}@db/quay\nFEATURE_MIRROR: true\n` }],
          }),
          step('quay container', 'podmanRun', 60, { verdict: 'would change', reasons: ['container absent'] }),
          step('clair psk', 'secret', 70, { verdict: 'would change', reasons: ['content differs'], diff: [{ path: '/srv/clair/psk', before: '', after: '', hidden: 'secret file' }] }),
          step('quay unit', 'systemdEnable', 80),
          step('restart quay', 'podmanRun', 120, { verdict: 'would change', handler: true, reasons: ['restart requested'] }),
        ],
      },
      {
        name: 'quay3',
        steps: [step('quay config.yaml', 'writeConfig', 40, { verdict: 'failed', message: 'permission denied: /srv/quay/config', fingerprint: undefined })],
      },
    ],
  };
}
