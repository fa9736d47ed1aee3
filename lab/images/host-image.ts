/**
 * The lab host: Debian with systemd as PID 1, sshd, and podman (runc, fuse-overlayfs) for the
 * containers the flagship runs inside it. Keys are not baked in: each host makes its own host
 * keys at first boot, and the controller's key is mounted as root's authorized_keys.
 */
import { ensureRootfsImage, type RootfsRecipe } from './rootfs.ts';

export const HOST_IMAGE = 'localhost/tackle-lab/host:bookworm';

const PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'podman', 'runc', 'conmon', 'fuse-overlayfs',
  'containernetworking-plugins', 'iptables', 'acl', 'ca-certificates', 'sudo', 'curl', 'iproute2',
  'openssl', 'procps', 'less',
];

// The host itself sits on the controller's podman network (10.88.0.0/16): its own containers
// need another subnet, or the host routes its SSH replies into its own bridge.
const NESTED_SUBNET = '10.89.0';

// Inside a host podman must use runc (crun fails on this machine kind) and the same ulimits as the controller.
const CONTAINERS_CONF = `[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
default_subnet = "${NESTED_SUBNET}.0/24"
`;

// overlay through fuse-overlayfs: vfs would copy every layer for every container.
const STORAGE_CONF = `[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"

[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
`;

const SSHD_CONF = `PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
`;

// Before ssh.service, so sshd -t finds keys; each host gets its own.
const HOSTKEYS_UNIT = `[Unit]
Description=SSH host keys of this lab host
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
`;

const SCRIPT = `
rm -f /etc/ssh/ssh_host_*
sed -i 's#"10\\.88\\.0\\.0/16"#"${NESTED_SUBNET}.0/24"#; s#"10\\.88\\.0\\.1"#"${NESTED_SUBNET}.1"#' /etc/cni/net.d/87-podman-bridge.conflist
if grep -q '10\\.88\\.' /etc/cni/net.d/87-podman-bridge.conflist; then echo "nested podman network still on 10.88" >&2; exit 1; fi
ln -sf /etc/systemd/system/ssh-hostkeys.service /etc/systemd/system/multi-user.target.wants/ssh-hostkeys.service
mkdir -p -m 0700 /root/.ssh
: > /etc/machine-id
# Units that have nothing to do in a container.
for u in systemd-networkd-wait-online.service getty@tty1.service console-getty.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null /etc/systemd/system/$u
done
`;

export const hostRecipe: RootfsRecipe = {
  ref: HOST_IMAGE,
  packages: PACKAGES,
  files: {
    '/etc/containers/containers.conf': { content: CONTAINERS_CONF },
    '/etc/containers/storage.conf': { content: STORAGE_CONF },
    '/etc/ssh/sshd_config.d/tackle-lab.conf': { content: SSHD_CONF },
    '/etc/systemd/system/ssh-hostkeys.service': { content: HOSTKEYS_UNIT },
  },
  script: SCRIPT,
  changes: ['CMD ["/sbin/init"]', 'STOPSIGNAL SIGRTMIN+3'],
};

export const ensureHostImage = (): Promise<string> => ensureRootfsImage(hostRecipe);
