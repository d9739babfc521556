// Parameters for infra/main.bicep, all read from the environment: infra/deploy.sh loads them from
// env/.env.<environment> (and .env.<environment>.user for the one secret), the same files the
// Microsoft 365 Agents Toolkit uses. Nothing secret is written in this file or in the template's
// deployment history. See docs/deployment.md for each variable.
using './main.bicep'

param name = readEnvironmentVariable('VARNA_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param registryName = readEnvironmentVariable('VARNA_ACR')
param image = '${readEnvironmentVariable('VARNA_ACR')}.azurecr.io/varna:${readEnvironmentVariable('VARNA_VERSION')}'
param tenantId = readEnvironmentVariable('BOT_TENANT_ID')
param botAuth = readEnvironmentVariable('BOT_APP_TYPE', 'UserAssignedMSI')
param botAppId = readEnvironmentVariable('BOT_APP_ID', '')
param botPasswordVersion = readEnvironmentVariable('BOT_APP_PASSWORD_VERSION', '')
param botPasswordExpiresOn = readEnvironmentVariable('BOT_APP_PASSWORD_EXPIRES_ON', '')
param botLocation = readEnvironmentVariable('VARNA_BOT_LOCATION', 'westeurope')
param keyVaultName = readEnvironmentVariable('VARNA_KEY_VAULT')
param dataKeyId = readEnvironmentVariable('VARNA_DATA_KEY_ID')
param dataKeyVersion = readEnvironmentVariable('VARNA_DATA_KEY_VERSION')
param oldDataKeysVersion = readEnvironmentVariable('VARNA_OLD_DATA_KEYS_VERSION', '')
param indexKeyVersion = readEnvironmentVariable('VARNA_INDEX_KEY_VERSION')
param indexKeyId = readEnvironmentVariable('VARNA_INDEX_KEY_ID')
param oldIndexKeysVersion = readEnvironmentVariable('VARNA_OLD_INDEX_KEYS_VERSION', '')
param auditKeyVersion = readEnvironmentVariable('VARNA_AUDIT_KEY_VERSION')
param auditKeyId = readEnvironmentVariable('VARNA_AUDIT_KEY_ID')
param oldAuditKeysVersion = readEnvironmentVariable('VARNA_OLD_AUDIT_KEYS_VERSION', '')
param outboxPaused = readEnvironmentVariable('VARNA_OUTBOX_PAUSED', '0')
param dbPasswordVersion = readEnvironmentVariable('VARNA_DB_PASSWORD_VERSION')
param postgresAdminPassword = readEnvironmentVariable('SECRET_PG_ADMIN_PASSWORD')
param municipalityYaml = readEnvironmentVariable('VARNA_MUNICIPALITY_YAML')
param replicas = int(readEnvironmentVariable('VARNA_REPLICAS', '2'))
param start = bool(readEnvironmentVariable('VARNA_START', 'true'))
param postgresServerName = readEnvironmentVariable('VARNA_PG_SERVER', '')
param alertEmails = split(readEnvironmentVariable('VARNA_ALERT_EMAILS', ''), ',')
param alertsLocation = readEnvironmentVariable('VARNA_ALERTS_LOCATION', 'swedencentral')
