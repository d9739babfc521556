# Shared by infra/deploy.sh and infra/put-secret.sh (bash). Not run on its own.

say() { printf '%s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

# load_env <environment>: the variables of env/.env.<environment> and env/.env.<environment>.user,
# as the Microsoft 365 Agents Toolkit reads them (KEY=VALUE lines, # comments). A variable already
# set in the shell wins, as in the Toolkit; then the .user file; then the environment file. Values
# are taken as written, without shell expansion.
load_env() {
  ENV_FILE="env/.env.$1"
  [ -f "$ENV_FILE" ] || fail "no $ENV_FILE: copy env/.env.prod to it and fill it in (docs/deployment.md)"
  local file line key value
  for file in "$ENV_FILE.user" "$ENV_FILE"; do
    [ -f "$file" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%$'\r'}
      case "$line" in '' | '#'*) continue ;; esac
      key=${line%%=*}
      value=${line#*=}
      case "$value" in \"*\") value=${value:1:${#value}-2} ;; \'*\') value=${value:1:${#value}-2} ;; esac
      [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "$file: cannot read the line starting '${line:0:20}'"
      if [ -z "${!key+set}" ]; then export "$key=$value"; fi
    done <"$file"
  done
}

# record <KEY> <value>: writes KEY=value into the environment file (replacing the line, or adding
# it), and tells the Agents Toolkit when it runs this script.
record() {
  local key=$1 value=$2 tmp
  tmp="$ENV_FILE.tmp.$$"
  awk -v k="$key" -v v="$value" 'BEGIN { done = 0 } index($0, k "=") == 1 { print k "=" v; done = 1; next } { print } END { if (!done) print k "=" v }' "$ENV_FILE" >"$tmp"
  mv "$tmp" "$ENV_FILE"
  export "$key=$value"
  if [ -n "${VARNA_UNDER_ATK:-}" ]; then printf '::set-teamsfx-env %s=%s\n' "$key" "$value"; fi
  say "  recorded $key=$value in $ENV_FILE"
}

# require <VAR>...: each must be set and not empty.
require() {
  local missing=0 name
  for name in "$@"; do
    if [ -z "${!name:-}" ]; then
      say "$name is not set: put it in $ENV_FILE (docs/deployment.md says what it is)"
      missing=1
    fi
  done
  [ "$missing" = 0 ] || exit 2
}

# The subscription, when the environment names one.
az_sub() {
  if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then az "$@" --subscription "$AZURE_SUBSCRIPTION_ID"; else az "$@"; fi
}
