#!/bin/sh
# The deployment files work as written: checks for the mistakes that once made them fail
# (a root-only /etc/brigade under DynamicUser=yes, a compose env file the README did not name,
# a compose restart policy that loops on a bad configuration), and the backup unit reads the
# bot's ledger.
set -u
root=${1:?usage: deploy_files_test.sh REPO_ROOT}
unit=$root/deploy/brigade.service compose=$root/deploy/compose.yaml readme=$root/README.md
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The unit runs as a dynamic (unprivileged) user: the config file it is given must be readable by
# others, and its directory searchable, in the install steps the unit documents.
if grep -q '^DynamicUser=yes' "$unit"; then
  dir_mode=$(sed -n 's/^#  *install -d -m \([0-7]*\) \/etc\/brigade *$/\1/p' "$unit")
  file_mode=$(sed -n 's/^#  *install -m \([0-7]*\) [^ ]* \/etc\/brigade\/brigade.toml.*/\1/p' "$unit")
  [ -n "$dir_mode" ] || bad "the unit documents no 'install -d -m MODE /etc/brigade' step"
  [ -n "$file_mode" ] || bad "the unit documents no 'install -m MODE … /etc/brigade/brigade.toml' step"
  [ -n "$dir_mode" ] && [ $((0$dir_mode & 1)) -eq 1 ] || bad "/etc/brigade mode $dir_mode: the dynamic user cannot enter it"
  [ -n "$file_mode" ] && [ $((0$file_mode & 4)) -eq 4 ] || bad "brigade.toml mode $file_mode: the dynamic user cannot read it"
  grep -q -- '--config /etc/brigade/brigade.toml' "$unit" || bad "ExecStart does not read /etc/brigade/brigade.toml"
fi

# The compose file's env_file is the file the README tells people to write.
env_file=$(awk '/env_file:/ {getline; sub(/^ *- */, ""); print; exit}' "$compose")
[ -n "$env_file" ] || bad "compose.yaml has no env_file"
grep -q "deploy/$env_file" "$readme" || bad "README does not name deploy/$env_file, the compose env file"
if grep -qE '(^|[^.])\.env\b' "$readme" && ! grep -q "deploy/$env_file" "$readme"; then bad "README names a .env file"; fi

# Exit 2 (bad configuration) cannot fix itself: the restart policy must not retry forever.
policy=$(sed -n 's/^ *restart: *//p' "$compose")
case "$policy" in
  always|unless-stopped|on-failure) bad "compose restart policy '$policy' restarts forever on exit 2" ;;
esac
grep -q 'BRIGADE_HTTP_TOKEN' "$compose" || bad "compose.yaml does not say that BRIGADE_HTTP_TOKEN is required"

# The nightly backup runs as the bot's dynamic user (named after brigade.service, which sets no
# User=) with the bot's state directory and data directory, or it could not read the ledger.
backup=$root/deploy/brigade-backup.service
bot_user=$(sed -n 's/^User=//p' "$unit")
bot_user=${bot_user:-brigade}
grep -qx "User=$bot_user" "$backup" || bad "brigade-backup.service does not run as the bot's user $bot_user"
bot_state=$(sed -n 's/^StateDirectory=//p' "$unit")
sed -n 's/^StateDirectory=//p' "$backup" | tr ' ' '\n' | grep -qx "$bot_state" ||
  bad "brigade-backup.service does not list the bot's StateDirectory $bot_state"
data_dir=$(sed -n 's/^Environment=BRIGADE_DATA_DIR=//p' "$unit")
grep -qx "Environment=BRIGADE_DATA_DIR=$data_dir" "$backup" || bad "brigade-backup.service backs up another directory"
grep -q '^\[Timer\]' "$root/deploy/brigade-backup.timer" || bad "no brigade-backup.timer"

# The Slack manifest turns on what the interactive flows need, under the names the adapter routes
# on (adapters/slack/actions.cpp), and the README's Slack set-up says so.
manifest=$root/deploy/slack-manifest.yaml
sed -n '/^  interactivity:/,/^  [a-z]/p' "$manifest" | grep -q 'is_enabled: true' || bad "the manifest leaves interactivity off"
grep -q 'home_tab_enabled: true' "$manifest" || bad "the manifest leaves the Home tab off"
grep -q '^      - app_home_opened' "$manifest" || bad "the manifest does not subscribe to app_home_opened"
for cb in brigade_give_kudos brigade_thank_author; do
  grep -q "callback_id: $cb\b" "$manifest" || bad "the manifest has no shortcut $cb"
  grep -q "\"$cb\"" "$root/adapters/slack/actions.cpp" || bad "the adapter does not route the shortcut $cb"
  grep -q "$cb" "$readme" || bad "README's Slack set-up does not name the shortcut $cb"
done

[ $fail = 0 ] && echo "deploy files: ok"
exit $fail
