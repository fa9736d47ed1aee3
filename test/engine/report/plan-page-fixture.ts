import type { PlanFile } from '../../../engine/plan/plan-file.ts';
import { examplePlan } from '../../helpers/plan-fixture.ts';

/** A secret the plan's run did not mask (as a value could slip in): the page must mask it itself. */
export const UNMASKED_SECRET = 'hunter2-quay-db-password';

/** A host name with markup in it: the page must show it as text. */
export const HOSTILE_HOST = 'quay4<script>alert(1)</script>';

/** The example plan (its failed host marked ended, as tackle plan marks it), plus a host whose name and values try to break the page. */
export function fixturePlan(): PlanFile {
  const plan = examplePlan();
  plan.hosts.find((h) => h.name === 'quay3')!.ended = 'failed';
  plan.hosts.push({
    name: HOSTILE_HOST,
    steps: [
      { play: 'Quay with Clair', task: 'quay storage', type: 'directory', at: 'playbooks/quay-with-clair.yml:30:7', verdict: 'skipped', reasons: [], diff: [] },
      {
        play: 'Quay with Clair',
        task: 'quay config.yaml',
        type: 'writeConfig',
        at: 'playbooks/quay-with-clair.yml:40:7',
        verdict: 'would change',
        reasons: ['content differs'],
        message: 'content differs',
        diff: [{ path: '/srv/quay/config/config.yaml', before: 'A: 1\n', after: 'A: 1\nFEATURE_USER_CREATION: <true & "quoted">\n' }],
      },
      {
        play: 'Quay with Clair',
        task: 'quay database user',
        type: 'command',
        at: 'playbooks/quay-with-clair.yml:50:7',
        verdict: 'failed',
        ignored: true,
        reasons: [],
        diff: [],
        message: `psql: password authentication failed (password ${UNMASKED_SECRET})`,
      },
    ],
  });
  return plan;
}
