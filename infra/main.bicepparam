// Parameters for infra/main.bicep. Secrets are read from environment variables at deploy time and
// end up only in Key Vault: nothing secret is written to this file. See docs/deployment.md.
using './main.bicep'

param name = 'varna-exempel'
param location = 'swedencentral'
param registryName = readEnvironmentVariable('VARNA_ACR')
param image = '${readEnvironmentVariable('VARNA_ACR')}.azurecr.io/varna:${readEnvironmentVariable('VARNA_VERSION', '1.0.0')}'
param botAppId = readEnvironmentVariable('BOT_APP_ID')
param botAppPassword = readEnvironmentVariable('BOT_APP_PASSWORD')
param dataKey = readEnvironmentVariable('VARNA_DATA_KEY')
param indexKey = readEnvironmentVariable('VARNA_INDEX_KEY')
param postgresPassword = readEnvironmentVariable('VARNA_PG_PASSWORD')
param replicas = 2
