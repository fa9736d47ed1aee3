#!/bin/sh
# The Red Hat redis image's contract on Debian's redis-server: runs as uid 1001, listens on
# 6379, and clients must give REDIS_PASSWORD. The password goes into a 0600 config file, so
# it never shows in a process listing.
set -eu
if [ -z "${REDIS_PASSWORD:-}" ]; then
  echo "REDIS_PASSWORD must be set: clients authenticate with it" >&2
  exit 1
fi
umask 077
conf=/var/lib/redis/data/redis.conf
quoted=$(printf %s "$REDIS_PASSWORD" | sed 's/\\/\\\\/g; s/"/\\"/g')
cat > "$conf" <<CONF
bind 0.0.0.0 -::*
port 6379
protected-mode no
dir /var/lib/redis/data
requirepass "$quoted"
CONF
unset REDIS_PASSWORD
exec redis-server "$conf"
