#!/usr/bin/env bash
# Installs one machine of a hosts file, for an orchestrator (a Terraform local-exec, an Ansible
# command task): the exit status is the install's (0 installed, 1 a phase failed: run again with
# --resume, 3 refused, 4 not found), every event goes to HOST.ndjson, and the last line on stdout
# is that machine's summary as one JSON object (host, status, logFile, recipient, ageKeyFile, …).
#
#   examples/install-host.sh HOSTS_FILE HOST [install flags…]      e.g. --luks-passphrase-file pass
#   NIXOS_BOOTSTRAP="node /path/to/dist/cli.js" examples/install-host.sh …   another build
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 HOSTS_FILE HOST [install flags…]" >&2
  exit 2
fi
hosts=$1 host=$2
shift 2
events="$host.ndjson"
# shellcheck disable=SC2086 # NIXOS_BOOTSTRAP may be a command with arguments
${NIXOS_BOOTSTRAP:-nixos-bootstrap} install --hosts "$hosts" --only "$host" --yes --json "$@" > "$events"
status=$?
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const summary = lines.find((e) => e.type === "hosts-summary");
  const error = lines.find((e) => e.type === "error");
  const mine = summary?.hosts.find((h) => h.host === process.argv[2]);
  console.log(JSON.stringify(mine ?? { host: process.argv[2], status: "error", message: error?.message ?? "no summary: see " + process.argv[1] }));
' "$events" "$host"
exit $status
