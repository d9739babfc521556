// Värna on Azure: two container instances behind Container Apps' ingress, Azure Database for
// PostgreSQL (flexible server) on a private network, the keys in Key Vault, the bot registered as
// a single-tenant Azure Bot with the Teams channel, and every log in Log Analytics.
// Deploy: see docs/deployment.md. Resource group scope.
targetScope = 'resourceGroup'

@description('Short name used in every resource name, e.g. "varna-exempel". Lowercase letters, digits and dashes.')
@minLength(3)
@maxLength(20)
param name string

@description('Azure region, e.g. swedencentral.')
param location string = resourceGroup().location

@description('The container image, e.g. myacr.azurecr.io/varna:1.0.0.')
param image string

@description('Name of the Azure Container Registry (in this resource group) that holds the image.')
param registryName string

@description('The municipality\'s Entra tenant id.')
param tenantId string = subscription().tenantId

@description('Client (application) id of the bot\'s Entra app registration (single tenant).')
param botAppId string

@description('Client secret of that app registration. Stored in Key Vault only.')
@secure()
param botAppPassword string

@description('Master data key: 32 random bytes, base64 (openssl rand -base64 32). Stored in Key Vault only. Keep an offline copy: without it no report can be read.')
@secure()
param dataKey string

@description('Key for keyed hashes (repeat reports): 32 random bytes, base64. Stored in Key Vault only. Keep it when the data key is rotated.')
@secure()
param indexKey string

@description('Administrator password of the PostgreSQL server. Stored in Key Vault only.')
@secure()
param postgresPassword string

@description('Path of the municipality file inside the image (see docs/deployment.md).')
param municipalityConfig string = '/app/config/municipality.yaml'

@description('Instances of Värna. Two or more share the work through PostgreSQL (pg-boss).')
@minValue(1)
@maxValue(10)
param replicas int = 2

@description('PostgreSQL compute: Burstable B2s is enough for most municipalities.')
param postgresSku string = 'Standard_B2s'
param postgresTier string = 'Burstable'

@description('Days of PostgreSQL point-in-time backups (7–35).')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 35

@description('Azure Bot pricing tier: Teams is a standard channel, free and unlimited on F0.')
param botSku string = 'F0'

@description('Days Log Analytics keeps logs.')
param logRetentionDays int = 90

var suffix = uniqueString(resourceGroup().id, name)
var postgresAdmin = 'varnaadmin'
var databaseName = 'varna'

// Built-in role ids.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

// --- logs -----------------------------------------------------------------------------------------
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: logRetentionDays
  }
}

// --- identity -------------------------------------------------------------------------------------
// The app's own identity: reads the secrets in Key Vault and pulls the image; no passwords in config.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- network --------------------------------------------------------------------------------------
// PostgreSQL has no public endpoint: it lives in its own subnet, reachable from the app's subnet only.
resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: '${name}-vnet'
  location: location
  properties: {
    addressSpace: { addressPrefixes: ['10.40.0.0/16'] }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: '10.40.0.0/23'
          delegations: [{ name: 'apps', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: '10.40.2.0/24'
          delegations: [{ name: 'postgres', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } }]
        }
      }
    ]
  }
}

resource pgDns 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${name}.private.postgres.database.azure.com'
  location: 'global'
}

resource pgDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: pgDns
  name: '${name}-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

// --- PostgreSQL -----------------------------------------------------------------------------------
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: '${name}-pg-${suffix}'
  location: location
  sku: { name: postgresSku, tier: postgresTier }
  properties: {
    version: '16'
    administratorLogin: postgresAdmin
    administratorLoginPassword: postgresPassword
    storage: { storageSizeGB: 64, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: backupRetentionDays, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    network: {
      delegatedSubnetResourceId: '${vnet.id}/subnets/postgres'
      privateDnsZoneArmResourceId: pgDns.id
    }
    authConfig: { activeDirectoryAuth: 'Disabled', passwordAuth: 'Enabled' }
  }
  dependsOn: [pgDnsLink]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-06-01-preview' = {
  parent: postgres
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// Encrypted connections only. After the database: a flexible server takes one change at a time and
// refuses a second one made while the first runs (the two would otherwise be deployed in parallel).
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2023-06-01-preview' = {
  parent: postgres
  name: 'require_secure_transport'
  properties: { value: 'on', source: 'user-override' }
  dependsOn: [database]
}

resource postgresDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: postgres
  properties: {
    workspaceId: logs.id
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
  }
}

// --- Key Vault ------------------------------------------------------------------------------------
// Holds the data key, the index key, the bot secret and the store URL (with the database password).
// Purge protection: a deleted vault or secret can be recovered for 90 days and never purged early;
// losing the data key would make every stored report unreadable.
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
    publicNetworkAccess: 'Enabled'
  }
}

resource secretDataKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'varna-data-key'
  properties: { value: dataKey, contentType: 'base64 AES-256 master key (VARNA_DATA_KEY)' }
}

resource secretIndexKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'varna-index-key'
  properties: { value: indexKey, contentType: 'base64 HMAC key (VARNA_INDEX_KEY)' }
}

resource secretBot 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-app-password'
  properties: { value: botAppPassword }
}

resource secretStore 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'varna-store-url'
  properties: {
    value: 'postgres://${postgresAdmin}:${uriComponent(postgresPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

resource secretsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logs.id
    logs: [{ category: 'AuditEvent', enabled: true }]
  }
}

// --- Container Apps -------------------------------------------------------------------------------
resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: '${vnet.id}/subnets/apps'
      internal: false
    }
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var vaultUri = vault.properties.vaultUri

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${name}-app'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 3978
        transport: 'http'
        allowInsecure: false
      }
      registries: [{ server: registry.properties.loginServer, identity: identity.id }]
      secrets: [
        { name: 'data-key', keyVaultUrl: '${vaultUri}secrets/varna-data-key', identity: identity.id }
        { name: 'index-key', keyVaultUrl: '${vaultUri}secrets/varna-index-key', identity: identity.id }
        { name: 'bot-password', keyVaultUrl: '${vaultUri}secrets/bot-app-password', identity: identity.id }
        { name: 'store-url', keyVaultUrl: '${vaultUri}secrets/varna-store-url', identity: identity.id }
      ]
    }
    template: {
      containers: [
        {
          name: 'varna'
          image: image
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: [
            { name: 'NODE_ENV', value: 'production' }
            { name: 'PORT', value: '3978' }
            { name: 'LOG_LEVEL', value: 'info' }
            { name: 'BOT_APP_ID', value: botAppId }
            { name: 'BOT_APP_TYPE', value: 'SingleTenant' }
            { name: 'BOT_TENANT_ID', value: tenantId }
            { name: 'BOT_APP_PASSWORD', secretRef: 'bot-password' }
            { name: 'VARNA_STORE_URL', secretRef: 'store-url' }
            { name: 'VARNA_DATA_KEY', secretRef: 'data-key' }
            { name: 'VARNA_DATA_KEY_ID', value: 'k1' }
            { name: 'VARNA_INDEX_KEY', secretRef: 'index-key' }
            { name: 'VARNA_CONFIG', value: municipalityConfig }
          ]
          probes: [
            { type: 'Startup', httpGet: { path: '/healthz', port: 3978 }, initialDelaySeconds: 5, periodSeconds: 3, failureThreshold: 10 }
            { type: 'Liveness', httpGet: { path: '/healthz', port: 3978 }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: 3978 }, periodSeconds: 10, failureThreshold: 3 }
          ]
        }
      ]
      scale: { minReplicas: replicas, maxReplicas: replicas }
    }
  }
  dependsOn: [pullRole, secretsRole, secretDataKey, secretIndexKey, secretBot, secretStore, database, requireTls]
}

// --- Azure Bot ------------------------------------------------------------------------------------
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${name}-bot'
  location: 'global'
  kind: 'azurebot'
  sku: { name: botSku }
  properties: {
    displayName: 'Värna'
    endpoint: 'https://${app.properties.configuration.ingress.fqdn}/api/messages'
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: tenantId
    disableLocalAuth: false
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

output endpoint string = 'https://${app.properties.configuration.ingress.fqdn}/api/messages'
output keyVault string = vault.name
output postgresServer string = postgres.properties.fullyQualifiedDomainName
output logAnalyticsWorkspace string = logs.name
