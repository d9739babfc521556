// Stores one secret in Värna's Key Vault as a new version and prints that version; infra/main.bicep
// reads every secret by the version it is given (docs/deployment.md, "Keys and secrets"). Storing a
// new version therefore changes nothing until a deployment names it.
// Use infra/put-secret.sh, which reads the value from standard input (never from the command line)
// and writes the version into the environment file; or by hand:
//   VARNA_SECRET_NAME=varna-data-key VARNA_SECRET_VALUE=… \
//     az deployment group create -g <group> -p infra/secret.bicepparam --query properties.outputs.version.value -o tsv
targetScope = 'resourceGroup'

@description('The vault (output keyVaultName of infra/vault.bicep).')
param vaultName string

@description('Which secret.')
@allowed([
  'varna-data-key'
  'varna-old-data-keys'
  'varna-index-key'
  'varna-db-password'
  'bot-app-password'
])
param secretName string

@description('The value. Kept out of the deployment history.')
@secure()
param value string

var contentTypes = {
  'varna-data-key': 'base64 AES-256 master key (VARNA_DATA_KEY)'
  'varna-old-data-keys': 'retired master keys, id:base64,… (VARNA_OLD_DATA_KEYS)'
  'varna-index-key': 'base64 HMAC key (VARNA_INDEX_KEY)'
  'varna-db-password': 'password of Värna\'s PostgreSQL role (PGPASSWORD)'
  'bot-app-password': 'client secret of the bot\'s Entra app registration (BOT_APP_PASSWORD)'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: value
    contentType: contentTypes[secretName]
  }
}

@description('The new version: put it in the environment file (infra/put-secret.sh does).')
output version string = last(split(secret.properties.secretUriWithVersion, '/'))
