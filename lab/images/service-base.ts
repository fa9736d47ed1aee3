/**
 * One Debian root file system shared by the service images: PostgreSQL 15, Redis and Node.js
 * (for the Quay and Clair stand-ins), with the uids the Red Hat images run as: 26 (postgres)
 * and 1001; Clair's nobody (65534) is Debian's own.
 */
import { ensureRootfsImage, type RootfsRecipe } from './rootfs.ts';

export const SERVICE_BASE_IMAGE = 'localhost/tackle-lab/service-base:bookworm';

// postgresql-common would make a "main" cluster; the entrypoint makes its own in the data volume.
const SCRIPT = `
pg_old=$(id -u postgres)
pg_gid_old=$(id -g postgres)
# Debian gives gid 26 to "tape"; the Red Hat images give it to postgres.
taken=$(getent group 26 | cut -d: -f1)
if [ -n "$taken" ] && [ "$taken" != postgres ]; then groupdel "$taken"; fi
groupmod -g 26 postgres
find / -xdev -gid "$pg_gid_old" -exec chgrp -h 26 {} +
usermod -u 26 -g 26 postgres
find / -xdev -uid "$pg_old" -exec chown -h 26:26 {} +
useradd -u 1001 -g 0 -d /opt/app-root/src -M -s /usr/sbin/nologin default
rm -rf /etc/postgresql/15/main /var/lib/postgresql/15/main
install -d -o 26 -g 26 -m 0775 /var/run/postgresql /var/lib/pgsql /var/lib/pgsql/data
install -d -o 1001 -g 0 -m 0770 /var/lib/redis/data /opt/app-root/src
chmod 0755 /var/lib/redis
install -d -m 0755 /usr/local/lib/tackle-standin
# JIT is off (postgresql.conf), so LLVM is dead weight; so are docs, man pages and translations.
rm -f /usr/lib/postgresql/15/lib/llvmjit*.so /usr/lib/x86_64-linux-gnu/libLLVM-*.so* /usr/lib/x86_64-linux-gnu/libz3.so*
rm -rf /usr/lib/postgresql/15/lib/bitcode /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
`;

export const serviceBaseRecipe: RootfsRecipe = {
  ref: SERVICE_BASE_IMAGE,
  packages: ['postgresql-15', 'redis-server', 'nodejs', 'ca-certificates', 'passwd'],
  files: {},
  script: SCRIPT,
  changes: ['CMD ["/bin/sh"]'],
};

export const ensureServiceBase = (): Promise<string> => ensureRootfsImage(serviceBaseRecipe);
