export const MAIN_HELP = `tackle: agentless, idempotent playbooks of typed tasks, over local and SSH connections.

Usage:
  tackle run PLAYBOOK [-i INVENTORY] [options]     converge the hosts
  tackle validate PLAYBOOK [-i INVENTORY] [-e ..]  validate everything; connects to nothing
  tackle inventory -i INVENTORY --list|--graph|--host NAME   the inventory as ansible-inventory shows it
  tackle tags PATTERN... -- TAG...                 which tags a mirror tag-pattern list selects
  tackle vault encrypt|decrypt|view FILE           Ansible-vault compatible vars files
  tackle report merge REPORT.json...               one recap and exit code for the slices of a run
  tackle plan PLAYBOOK [-i INVENTORY] --out PLAN.json [--html PLAN.html]   save what a run would change
  tackle apply PLAN.json [--max-age 24h]           change exactly that; refuse hosts drifted since
  tackle --help | tackle COMMAND --help | tackle --version

Exit codes: 0 all good, 2 a task failed, 3 (apply) some hosts drifted since the plan, the
rest applied, 4 a host was unreachable (wins over 2 and 3), 5 invalid input or a refused plan
(nothing was contacted), 99 interrupted.
`;

export const RUN_HELP = `Usage: tackle run PLAYBOOK [-i INVENTORY] [options]

Runs every play of PLAYBOOK on the hosts it names. Every task checks the host's state
first and changes only what differs, so a second run reports changed=0.

Options:
  -i, --inventory INV      Ansible inventory: INI or YAML file, directory, or "h1,h2," list.
                           Repeatable (merged in order); group_vars/ and host_vars/ beside it
                           and beside the playbook are read. Without it: localhost, local.
  -C, --check              Change nothing; report what would change ("changed" = would change).
  -D, --diff               Print unified diffs of what changes (no_log and secret values masked).
  -e, --extra-vars VARS    key=value pairs, or @FILE (YAML/JSON). Repeatable; highest precedence.
  -l, --limit PATTERN      Only these hosts: name, group, glob (web*), a:b union, a:&b
                           intersection, !x exclusion, @FILE (a retry file). Repeatable.
      --slice K/N          Only the K-th of N disjoint slices of the inventory's hosts (host i
                           of the inventory is in slice i mod N + 1), for N controllers side by
                           side; merge their --report files with tackle report merge.
  -t, --tags TAGS          Only tasks with one of these tags (comma-separated). As in Ansible,
                           'always' runs unless skipped, 'never' only when asked for, 'all',
                           'tagged' and 'untagged' select by having tags.
      --skip-tags TAGS     Skip tasks with one of these tags.
      --start-at-task NAME Skip the plays and tasks before the first task NAME (or wildcard)
                           names; a role's task also by its name without "role : ".
      --force-handlers     Run notified handlers on a host even after it failed.
      --list-hosts         Print each play's hosts (after --limit), run nothing.
      --list-tasks         Print each play's tasks (after --tags/--skip-tags), run nothing.
      --list-tags          Print each play's task tags, run nothing.
      --syntax-check       Load and validate everything, run nothing.
  -f, --forks N            Hosts at once (default 20). A play's own forks: wins.
      --report FILE        Write a JSON report: per-host counts and every task result.
      --lock-wait SECONDS  Wait this long for another run's lock on a host (default 0: that
                           host fails at once, naming the run that holds it). --check takes none.
      --vault-password-file FILE  Password for encrypted vars files; an executable file is run
                           and prints it. Repeatable.
      --vault-id [LABEL@]SOURCE   A labelled vault password: a file, an executable, or 'prompt'.
                           Repeatable; a file's own label is tried first, then the others.
      --ask-vault-pass     Ask for the vault password (no echo; refused without a terminal).
  -u, --user USER          Login user (ansible_user).
  -c, --connection TYPE    ssh or local (ansible_connection).
      --private-key FILE   SSH private key (ansible_ssh_private_key_file).
  -T, --timeout SECONDS    Connect timeout (ansible_timeout).
  --keepalive SECONDS      SSH keepalive interval (tackle_keepalive_interval, default 15).
  -b, --become             Run with sudo (ansible_become).
      --become-user USER   The sudo target user (ansible_become_user, default root).
  -K, --ask-become-pass    Ask for the sudo password (no echo; refused without a terminal).
                           These seven act where the inventory, the play's keywords and -e
                           leave their variable unset, as in Ansible.
      --no-progress        Plain lines instead of the live progress display.
      --allow-no-hosts     Skip a play whose hosts pattern matches no inventory host
                           (without it, that is an error, exit 5).
  -v, --verbose            Reasons for each change, commands' details.
  -h, --help               This help.

After a run with failed or unreachable hosts, their names are written to
.tackle-retry/PLAYBOOK.retry and the command to resume with --limit @FILE is printed.
`;

export const VALIDATE_HELP = `Usage: tackle validate PLAYBOOK [-i INVENTORY] [-e VARS]...

Loads and validates the playbook, its vars files, the inventory (with group_vars/ and
host_vars/) and extra vars against the JSON Schemas of every task. Prints every problem as
FILE:LINE:COL: message and exits 5 when there is any; exits 0 otherwise. Connects to nothing.
`;

export const REPORT_HELP = `Usage: tackle report merge [--report OUT.json] REPORT.json...

Merges the --report files of the N runs of one playbook with --slice 1/N ... N/N: prints one
PLAY RECAP and exits with the code one run over all the hosts would have (0, 2 failed, 4
unreachable, 99 interrupted). A missing, repeated or foreign slice is an error (exit 5).
Failed and unreachable hosts go to .tackle-retry/PLAYBOOK.retry, as after a run.

Options:
      --report FILE        Also write the merged report (every host, every result).
  -h, --help               This help.
`;

export const INVENTORY_HELP = `Usage: tackle inventory -i INVENTORY [-i ...] (--list | --graph [GROUP] | --host NAME)

Loads the inventory (INI, YAML, a directory of them, or a "host1,host2," list; several -i are
merged in order, with group_vars/ and host_vars/ beside each) and prints it as
ansible-inventory does:
      --list               Every group's hosts and children, and each host's merged variables (JSON).
      --graph [GROUP]      The group tree under GROUP (default all); with --vars, each host's
                           and each group's variables in it.
  -y, --yaml               --list and --host as YAML (the --list layout of an inventory file).
      --output FILE        Write to FILE instead of the screen.
      --host NAME          One host's merged variables (JSON).
      --playbook-dir DIR   Also read group_vars/ and host_vars/ beside this playbook directory.
      --vault-password-file FILE, --vault-id [LABEL@]SOURCE, --ask-vault-pass
                           Passwords for encrypted vars files (as for tackle run).
Connects to nothing. Variables are shown as written (templates are not rendered).
`;
