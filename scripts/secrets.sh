# Source this file (bash) to set the tokens the two servers share, generating them on first use.
#
#   RASA_TOKEN            Rasa's --auth-token: its HTTP API and the REST channel require it
#   ACTION_SERVER_TOKEN   sent by Rasa with every call to the action server's /webhook
#   WEBCHAT_ORIGINS       web origins allowed to call either server from a browser (comma-separated)
#
# A variable already set in the environment wins. Generated values are kept in var/secrets.env
# (mode 0600, git-ignored), so restarts keep working conversations and links.
_secrets_file="${HELPDESK_SECRETS_FILE:-var/secrets.env}"
mkdir -p "$(dirname "$_secrets_file")"
if [ ! -f "$_secrets_file" ]; then
  ( umask 077
    for _name in RASA_TOKEN ACTION_SERVER_TOKEN; do
      printf '%s=%s\n' "$_name" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    done > "$_secrets_file" )
fi
while IFS='=' read -r _name _value; do
  case "$_name" in RASA_TOKEN|ACTION_SERVER_TOKEN) ;; *) continue ;; esac
  if [ -z "${!_name:-}" ]; then export "$_name=$_value"; fi
done < "$_secrets_file"
export WEBCHAT_ORIGINS="${WEBCHAT_ORIGINS:-http://127.0.0.1:${ACTIONS_PORT:-5055},http://localhost:${ACTIONS_PORT:-5055}}"
unset _secrets_file _name _value
