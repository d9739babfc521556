// Värna's Key Vault, made once, before anything else (docs/deployment.md, step 2). It holds the data
// and index keys, the database password and, with a client secret, the bot's secret. They are
// written by infra/secret.bicep, one version at a time, and infra/main.bicep reads each of them by
// its version: no deployment writes a key, and no key changes under a running Värna.
// No secret is written here, so running this again changes nothing but these settings.
//
// Reachable from Värna's own network only: public access is off. The app reads it through a private
// endpoint (main.bicep); secrets are written through Azure Resource Manager (secret.bicep), which the
// vault's network rules do not stop; no person needs to read a secret back (keep the offline copy).
// Purge protection: a deleted vault or secret can be recovered for 90 days and never purged early;
// losing the data key would make every stored report unreadable.
targetScope = 'resourceGroup'

@description('The same short name as in infra/main.bicep, e.g. "varna-exempel".')
@minLength(3)
@maxLength(20)
param name string

@description('Azure region, e.g. swedencentral.')
param location string = resourceGroup().location

@description('The municipality\'s Entra tenant id ("Directory (tenant) ID").')
param tenantId string

var suffix = uniqueString(resourceGroup().id, name)

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv${take(replace(name, '-', ''), 10)}${take(suffix, 8)}'
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
  }
}

output keyVaultName string = vault.name
