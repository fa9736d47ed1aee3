export const PLAN_HELP = `Usage: tackle plan PLAYBOOK [-i INVENTORY] [options] --out PLAN.json [--html PLAN.html]

Runs every check exactly as tackle run --check does (no host is written to) and saves what
would change: the inputs (playbook and every file it reads, inventory, -e values) as hashes,
and per host and task the verdict, reasons, masked diff, a fingerprint of what the check read
and a digest of the change it would make. tackle apply PLAN.json then changes exactly that, or
refuses hosts that drifted.

Takes tackle run's options (one definition, see tackle run --help):
  recorded in the plan, and used by apply:
    -l/--limit, --slice K/N, -t/--tags, --skip-tags, -f/--forks, --start-at-task,
    --force-handlers, -c/--connection, -b/--become, --become-user; -i/--inventory and
    -e/--extra-vars as inputs (files hashed, -e values salted and hashed)
  this invocation's own, not recorded (apply takes them again):
    -u/--user, --private-key, -T/--timeout, --keepalive, -K/--ask-become-pass, --vault-password-file,
    --vault-id, --ask-vault-pass, --allow-no-hosts, --no-progress, -v/--verbose, -h/--help;
    -D/--diff prints the diffs too
  not taken, and why:
    -C/--check              plan always checks only
    --list-hosts, --list-tasks, --list-tags, --syntax-check
                            a listing changes nothing: use tackle run
    --lock-wait             a plan only checks and takes no host lock (apply takes it)
    --report                the plan file is the record of the check (apply takes it)
  -o, --out PLAN.json      Where the plan goes (readable by you alone).
      --html PLAN.html     The plan as one HTML page for review: summary per host, the tasks that
                           would change with their diffs, the inputs; secrets masked, no external
                           asset, printable (readable by you alone).
`;

export const APPLY_HELP = `Usage: tackle apply PLAN.json [-e VARS]... [--max-age 24h] [options]

Applies a plan made by tackle plan, and nothing else, from any directory: the plan's paths are
relative to the directory it was made in. Refused (exit 5, nothing contacted): a plan older than
--max-age (default 24h; 30m, 2h, 1d; 0 = no limit), inputs that differ from the plan's (the
first file that changed is named; pass the same -e values as the plan, -e @FILE naming the same
file), or a recorded option (-l, --slice, -t, --skip-tags, -f, --start-at-task,
--force-handlers, -c, -b, --become-user, -i) given with another value than the plan's.
Then every host is checked again: a host whose checks differ from the plan (verdict, the state
they read, or the change they would make) is "drifted since plan" and is not changed at all;
the others are changed exactly as planned, within the plays' serial and max_fail_percentage.

Drifted hosts are written to .tackle-retry/PLAYBOOK.drifted in the plan's directory: plan them
again there with tackle plan ... --limit @.tackle-retry/PLAYBOOK.drifted. apply never plans
by itself.

Exit codes: 0 applied, 3 some hosts drifted (the rest applied), 2 a task failed,
4 a host was unreachable, 5 the plan was refused, 99 interrupted.

Options:
  -e, --extra-vars VARS    The -e values the plan was made with, again (they are only hashed in it).
      --max-age AGE        Oldest plan accepted (default 24h; 0 turns the limit off).
  -u/--user, --private-key, -T/--timeout, --keepalive, -K/--ask-become-pass, --lock-wait SECONDS,
  --vault-password-file, --vault-id, --ask-vault-pass, -D/--diff, --report FILE,
  --no-progress, -v        This invocation's own, as for tackle run.
  -C/--check and the listings are not taken (tackle plan is the check).
`;
