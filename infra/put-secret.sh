#!/usr/bin/env bash
# infra/put-secret.sh <environment> <secret>: stores a new version of one secret in Värna's Key Vault
# (infra/secret.bicep, through Azure Resource Manager: the vault has no public access) and records
# that version in env/.env.<environment>. The value is read from standard input, never from the
# command line. Nothing changes for the running Värna until infra/deploy.sh deploys the version.
#   openssl rand -base64 32 | tee /dev/tty | infra/put-secret.sh prod varna-data-key
# Secrets: varna-data-key, varna-index-key, varna-audit-key (32 random bytes, base64),
# varna-old-data-keys, varna-old-index-keys, varna-old-audit-keys (id:base64,id:base64),
# varna-db-password, bot-app-password.
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

[ $# -eq 2 ] || { say "usage: <value on standard input> | infra/put-secret.sh <environment> <secret>"; exit 2; }
load_env "$1"
name=$2
case "$name" in
  varna-data-key) var=VARNA_DATA_KEY_VERSION ;;
  varna-old-data-keys) var=VARNA_OLD_DATA_KEYS_VERSION ;;
  varna-index-key) var=VARNA_INDEX_KEY_VERSION ;;
  varna-old-index-keys) var=VARNA_OLD_INDEX_KEYS_VERSION ;;
  varna-audit-key) var=VARNA_AUDIT_KEY_VERSION ;;
  varna-old-audit-keys) var=VARNA_OLD_AUDIT_KEYS_VERSION ;;
  varna-db-password) var=VARNA_DB_PASSWORD_VERSION ;;
  bot-app-password) var=BOT_APP_PASSWORD_VERSION ;;
  *) say "unknown secret $name: varna-data-key, varna-old-data-keys, varna-index-key, varna-old-index-keys, varna-audit-key, varna-old-audit-keys, varna-db-password or bot-app-password"; exit 2 ;;
esac
require AZURE_RESOURCE_GROUP_NAME VARNA_KEY_VAULT

if [ -t 0 ]; then
  read -r -s -p "value of $name: " value
  echo >&2
else
  value=$(cat)
fi
value=${value%$'\n'}
[ -n "$value" ] || { say "no value given"; exit 2; }

key32() { [ "$(printf '%s' "$1" | openssl base64 -d -A 2>/dev/null | wc -c | tr -d ' ')" = 32 ]; }
case "$name" in
  varna-data-key | varna-index-key | varna-audit-key)
    key32 "$value" || { say "$name must be 32 random bytes in base64 (openssl rand -base64 32)"; exit 2; } ;;
  varna-old-data-keys | varna-old-index-keys | varna-old-audit-keys)
    IFS=, read -r -a pairs <<<"$value"
    for pair in "${pairs[@]}"; do
      [[ "$pair" =~ ^[A-Za-z0-9_-]{1,32}:(.+)$ ]] && key32 "${BASH_REMATCH[1]}" ||
        { say "$name must read id:base64,id:base64 (each key 32 bytes), as VARNA_OLD_DATA_KEYS"; exit 2; }
    done ;;
esac

export VARNA_SECRET_NAME=$name VARNA_SECRET_VALUE=$value
version=$(az_sub deployment group create -g "$AZURE_RESOURCE_GROUP_NAME" -n "secret-$name" -p infra/secret.bicepparam \
  --query properties.outputs.version.value -o tsv)
[ -n "$version" ] || fail "Azure gave no version for $name"
say "Stored $name in $VARNA_KEY_VAULT as version $version."
record "$var" "$version"
say "Värna uses it from the next infra/deploy.sh $1."
