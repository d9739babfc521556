#!/usr/bin/env bash
# infra/deploy.sh <environment>: installs, upgrades or reconfigures Värna on Azure, from the values
# in env/.env.<environment> (docs/deployment.md). The one command for every change:
#   - the first time: the resources with Värna not started, then Värna's database role (the
#     db-setup job), then Värna started;
#   - a new VARNA_VERSION: first the database migrations in the migrate job, with the version still
#     running; only when they succeed the new version starts (a new revision; Container Apps moves
#     the traffic when it is ready). If they fail, nothing else changes;
#   - a changed municipality file, key version or setting: a new revision with it (no image build);
#   - a new database password version: the db-setup job gives it to the role, then the deployment.
# Before changing the data key it compares with what runs and refuses a combination that would lose
# reports: a new key under the old id, a new id with the old key, or a new id whose old key is not
# among the retired keys (docs/deployment.md, "Rotating keys on Azure"). VARNA_FORCE_KEYS=1 skips that.
# Writes BOT_APP_ID (the bot's client id, for the Teams app package) and VARNA_PUBLIC_URL back into
# the environment file. Needs bash and the Azure CLI; run it from the repository (Azure Cloud Shell will do).
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

[ $# -eq 1 ] || { say "usage: infra/deploy.sh <environment>   (reads env/.env.<environment> and .env.<environment>.user)"; exit 2; }
load_env "$1"

: "${BOT_APP_TYPE:=UserAssignedMSI}"
require AZURE_RESOURCE_GROUP_NAME VARNA_NAME VARNA_ACR VARNA_VERSION BOT_TENANT_ID VARNA_KEY_VAULT \
  VARNA_DATA_KEY_ID VARNA_DATA_KEY_VERSION VARNA_INDEX_KEY_ID VARNA_INDEX_KEY_VERSION \
  VARNA_AUDIT_KEY_ID VARNA_AUDIT_KEY_VERSION VARNA_DB_PASSWORD_VERSION \
  SECRET_PG_ADMIN_PASSWORD VARNA_MUNICIPALITY_FILE
case "$BOT_APP_TYPE" in
  UserAssignedMSI) ;;
  SingleTenant) require BOT_APP_ID BOT_APP_PASSWORD_VERSION ;;
  *) say "BOT_APP_TYPE must be UserAssignedMSI or SingleTenant, not $BOT_APP_TYPE"; exit 2 ;;
esac
case "$SECRET_PG_ADMIN_PASSWORD" in
  crypto_*) say "SECRET_PG_ADMIN_PASSWORD is encrypted by the Agents Toolkit: run this through atk, or set it in your shell"; exit 2 ;;
esac
[ -f "$VARNA_MUNICIPALITY_FILE" ] || { say "VARNA_MUNICIPALITY_FILE: no file $VARNA_MUNICIPALITY_FILE"; exit 2; }
# The municipality file is checked with the schema Värna loads it with (npm run config:check) before
# anything changes: a file Värna would refuse at start never reaches a revision. Where this checkout
# has no Node dependencies installed (npm ci), the check cannot run here: it says so and goes on.
if [ -f src/cli/config-check.ts ] && [ -x node_modules/.bin/tsx ]; then
  node_modules/.bin/tsx src/cli/config-check.ts "$VARNA_MUNICIPALITY_FILE" || { say "the municipality file has errors (above): nothing was deployed"; exit 2; }
else
  say "config:check skipped: run npm ci in this checkout to check $VARNA_MUNICIPALITY_FILE before deploying (npm run config:check)"
fi
VARNA_MUNICIPALITY_YAML=$(cat "$VARNA_MUNICIPALITY_FILE")
export VARNA_MUNICIPALITY_YAML BOT_APP_TYPE

rg=$AZURE_RESOURCE_GROUP_NAME
image="$VARNA_ACR.azurecr.io/varna:$VARNA_VERSION"
setup_job="$VARNA_NAME-db-setup"
migrate_job="$VARNA_NAME-migrate"
poll=${VARNA_POLL_SECONDS:-15}

# run_job <name>: starts one execution of a Container Apps job and waits for its end.
run_job() {
  local job=$1 execution status
  execution=$(az_sub containerapp job start -g "$rg" -n "$job" --query name -o tsv)
  say "  job $job: execution $execution started"
  while :; do
    status=$(az_sub containerapp job execution show -g "$rg" -n "$job" --job-execution-name "$execution" --query properties.status -o tsv)
    case "$status" in
      Succeeded) say "  job $job: succeeded"; return 0 ;;
      Failed | Stopped | Degraded)
        say "  job $job: $status. Its log: Log Analytics, ContainerAppConsoleLogs_CL | where ContainerJobName_s == '$job'"
        return 1 ;;
    esac
    sleep "$poll"
  done
}

# check_keys: the data key, its id and the retired keys change together, or not at all.
check_keys() {
  local app="$VARNA_NAME-app" running_id running_key running_old
  running_id=$(az_sub containerapp show -g "$rg" -n "$app" --query "properties.template.containers[0].env[?name=='VARNA_DATA_KEY_ID'].value | [0]" -o tsv)
  running_key=$(az_sub containerapp show -g "$rg" -n "$app" --query "properties.configuration.secrets[?name=='data-key'].keyVaultUrl | [0]" -o tsv)
  running_old=$(az_sub containerapp show -g "$rg" -n "$app" --query "properties.configuration.secrets[?name=='old-data-keys'].keyVaultUrl | [0]" -o tsv)
  running_key=${running_key##*/}
  running_old=${running_old##*/}
  [ -n "$running_id" ] || return 0
  if [ "$VARNA_DATA_KEY_ID" = "$running_id" ] && [ "$VARNA_DATA_KEY_VERSION" != "$running_key" ]; then
    fail "VARNA_DATA_KEY_VERSION is new but VARNA_DATA_KEY_ID is still $running_id: a new data key needs a new id (and the old key among the retired keys). Nothing was changed. See docs/deployment.md, \"Rotating keys on Azure\"."
  fi
  if [ "$VARNA_DATA_KEY_ID" != "$running_id" ]; then
    [ "$VARNA_DATA_KEY_VERSION" != "$running_key" ] ||
      fail "VARNA_DATA_KEY_ID is new ($VARNA_DATA_KEY_ID) but VARNA_DATA_KEY_VERSION is the running key's: store the new key first (infra/put-secret.sh). Nothing was changed."
    [ -n "${VARNA_OLD_DATA_KEYS_VERSION:-}" ] && [ "${VARNA_OLD_DATA_KEYS_VERSION:-}" != "$running_old" ] ||
      fail "VARNA_DATA_KEY_ID is new ($VARNA_DATA_KEY_ID) but the retired keys are unchanged: store varna-old-data-keys with $running_id:<the old key> in it first (infra/put-secret.sh), or reports written under $running_id could not be opened. Nothing was changed."
  fi
}

# rotate_db_password: a new VARNA_DB_PASSWORD_VERSION is given to Värna's database role first (the
# db-setup job with that version), then deployed. PostgreSQL has one password per role: in between,
# a minute or two, Värna cannot open new connections.
rotate_db_password() {
  local running identity
  running=$(az_sub containerapp show -g "$rg" -n "$VARNA_NAME-app" --query "properties.configuration.secrets[?name=='db-password'].keyVaultUrl | [0]" -o tsv)
  running=${running##*/}
  [ -n "$running" ] && [ "$running" != "$VARNA_DB_PASSWORD_VERSION" ] || return 0
  say "A new database password (version $VARNA_DB_PASSWORD_VERSION): the role first (job $setup_job); Värna cannot open new database connections until its new instances start."
  identity=$(az_sub identity show -g "$rg" -n "$VARNA_NAME-id" --query id -o tsv)
  az_sub containerapp job secret set -g "$rg" -n "$setup_job" \
    --secrets "db-password=keyvaultref:https://$VARNA_KEY_VAULT.vault.azure.net/secrets/varna-db-password/$VARNA_DB_PASSWORD_VERSION,identityref:$identity" -o none
  run_job "$setup_job" || fail "The database role did not take the new password; Värna keeps the old one. See the job's log, then run this again."
}

# deploy <true|false>: infra/main.bicep with infra/main.bicepparam; false leaves Värna stopped.
deploy() {
  local outputs
  export VARNA_START=$1
  outputs=$(az_sub deployment group create -g "$rg" -n "varna-$VARNA_NAME" -p infra/main.bicepparam \
    --query '[properties.outputs.botAppId.value, properties.outputs.publicUrl.value]' -o tsv)
  BOT_OUT=$(printf '%s\n' "$outputs" | sed -n 1p)
  URL_OUT=$(printf '%s\n' "$outputs" | sed -n 2p)
}

if az_sub containerapp job show -g "$rg" -n "$setup_job" --query name -o tsv >/dev/null 2>&1; then
  current=$(az_sub containerapp job show -g "$rg" -n "$migrate_job" --query 'properties.template.containers[0].image' -o tsv)
  [ -n "${VARNA_FORCE_KEYS:-}" ] || check_keys
  rotate_db_password
  if [ "$current" != "$image" ]; then
    say "Upgrade from $current to $image: the database migrations first (job $migrate_job), while the running version keeps serving."
    az_sub containerapp job update -g "$rg" -n "$migrate_job" --image "$image" -o none
    run_job "$migrate_job" || fail "The migrations did not finish: nothing else was changed, and the running version keeps serving. Fix the cause (the job's log) and run this again. If it is an old version meeting a newer database, deploy the newer version."
  fi
  say "Deploying $image to $rg."
  deploy true
else
  say "First installation in $rg: the resources, with Värna not started yet."
  deploy false
  say "Värna's own database role (job $setup_job)."
  run_job "$setup_job" || fail "The database role could not be set up; Värna is not started. See the job's log, then run this again."
  say "Starting Värna ($image)."
  deploy true
fi

record BOT_APP_ID "$BOT_OUT"
record VARNA_PUBLIC_URL "$URL_OUT"
say "Done. Messaging endpoint: $URL_OUT/api/messages. Check: curl -s $URL_OUT/readyz"
