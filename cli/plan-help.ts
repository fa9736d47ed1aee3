export const PLAN_HELP = `Usage: tackle plan PLAYBOOK [-i INVENTORY] [options] --out PLAN.json [--html PLAN.html]

Runs every check exactly as tackle run --check does (no host is written to) and saves what
would change: the inputs (playbook and every file it reads, inventory, -e values) as hashes,
and per host and task the verdict, reasons, masked diff and a fingerprint of what the check
read. tackle apply PLAN.json then changes exactly that, or refuses hosts that drifted.

Options: -i, -e, -l/--limit, -t/--tags, --skip-tags, -f/--forks, --vault-password-file,
--vault-id, --allow-no-hosts, --no-progress, -v as for tackle run; -D/--diff prints the diffs too.
  -o, --out PLAN.json      Where the plan goes (readable by you alone).
      --html PLAN.html     The plan as one HTML page for review: summary per host, the tasks that
                           would change with their diffs, the inputs; secrets masked, no external
                           asset, printable (readable by you alone).
`;

export const APPLY_HELP = `Usage: tackle apply PLAN.json [-e VARS]... [--max-age 24h] [options]

Applies a plan made by tackle plan, and nothing else. Refused (exit 5, nothing contacted): a
plan older than --max-age (default 24h; 30m, 2h, 1d; 0 = no limit), or inputs that differ
from the plan's (the first file that changed is named; pass the same -e values as the plan).
Then every host is checked again: a host whose checks differ from the plan (verdict or the
state they read) is "drifted since plan" and is not changed at all; the others are changed
exactly as planned, within the plays' serial and max_fail_percentage.

Drifted hosts are written to .tackle-retry/PLAYBOOK.drifted: plan them again with
tackle plan ... --limit @.tackle-retry/PLAYBOOK.drifted. apply never plans by itself.

Exit codes: 0 applied, 3 some hosts drifted (the rest applied), 2 a task failed,
4 a host was unreachable, 5 the plan was refused, 99 interrupted.

Options:
  -e, --extra-vars VARS    The -e values the plan was made with, again (they are only hashed in it).
      --max-age AGE        Oldest plan accepted (default 24h; 0 turns the limit off).
  -D, --diff               Print the diffs of the changes.
      --report FILE        A JSON report of the run, as tackle run --report writes.
      --vault-password-file FILE, --vault-id, --no-progress, -v as for tackle run.
`;
