// Värna on Azure: two container instances behind Container Apps' ingress, Azure Database for
// PostgreSQL (flexible server) on a private network, the keys in a Key Vault reachable from that
// network only, the bot registered as a single-tenant, EU-regional Azure Bot with the Teams channel,
// every log in Log Analytics, and the alerts that need a person.
// Deploy with infra/deploy.sh (docs/deployment.md), which also runs the database steps in order.
// Made before this, once: the Key Vault (infra/vault.bicep) and its secrets (infra/secret.bicep).
// This template writes no secret and no key: it reads each Key Vault secret by the version it is
// given, so deploying again never changes a key, its id or the retired keys.
targetScope = 'resourceGroup'

@description('Short name used in every resource name, e.g. "varna-exempel". Lowercase letters, digits and dashes.')
@minLength(3)
@maxLength(20)
param name string

@description('Azure region of every resource with a region of its own, e.g. swedencentral.')
param location string = resourceGroup().location

@description('The container image, e.g. myacr.azurecr.io/varna:1.0.0.')
param image string

@description('Name of the Azure Container Registry (in this resource group) that holds the image.')
param registryName string

@description('The image with psql that sets up Värna\'s database role, imported into the registry once (docs/deployment.md).')
param psqlImage string = '${registryName}.azurecr.io/postgres:16-alpine'

@description('The municipality\'s Entra tenant id ("Directory (tenant) ID"). No default: a wrong tenant would lock everyone out.')
param tenantId string

@description('How the bot signs in: UserAssignedMSI (a managed identity made here; no secret to expire) or SingleTenant (an Entra app registration with a client secret).')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
])
param botAuth string = 'UserAssignedMSI'

@description('SingleTenant only: the app registration\'s Application (client) ID.')
param botAppId string = ''

@description('SingleTenant only: the Key Vault version of the secret bot-app-password.')
param botPasswordVersion string = ''

@description('SingleTenant only: the day the client secret expires (YYYY-MM-DD); an alert fires 30 days before.')
param botPasswordExpiresOn string = ''

@description('Where the Azure Bot keeps and processes its data: westeurope is Microsoft\'s EU-regional bot service; global is not limited to a region.')
@allowed([
  'westeurope'
  'global'
])
param botLocation string = 'westeurope'

@description('Name of the Key Vault (output keyVaultName of infra/vault.bicep).')
param keyVaultName string

@description('Id of the current data key, stored with every key it wraps (VARNA_DATA_KEY_ID). No default: a deployment must never reset it.')
@minLength(1)
@maxLength(32)
param dataKeyId string

@description('Key Vault version of varna-data-key: the current data key.')
param dataKeyVersion string

@description('Key Vault version of varna-old-data-keys (retired data keys still needed to read, id:base64,…); empty when there are none.')
param oldDataKeysVersion string = ''

@description('Key Vault version of varna-index-key.')
param indexKeyVersion string

@description('Id of the current index key (VARNA_INDEX_KEY_ID), stored with every keyed hash. No default: a deployment must never reset it.')
@minLength(1)
@maxLength(32)
param indexKeyId string

@description('Key Vault version of varna-old-index-keys (index keys still needed during a rotation, id:base64,…); empty when there are none.')
param oldIndexKeysVersion string = ''

@description('Key Vault version of varna-audit-key: the key that signs the audit log. Production does not start without it.')
param auditKeyVersion string

@description('Id of the current audit key (VARNA_AUDIT_KEY_ID), stored with every entry it signs. No default: a deployment must never reset it.')
@minLength(1)
@maxLength(32)
param auditKeyId string

@description('Key Vault version of varna-old-audit-keys (retired audit keys, id:base64,…, kept as long as the audit log); empty when there are none.')
param oldAuditKeysVersion string = ''

@description('"1": the outbox delivers nothing (a restored database, docs/deployment.md "Restoring PostgreSQL"); "0" normally.')
@allowed(['0', '1'])
param outboxPaused string = '0'

@description('Key Vault version of varna-db-password: the password of Värna\'s own database role.')
param dbPasswordVersion string

@description('Administrator password of the PostgreSQL server. Used by the server and by the database set-up job only; Värna itself signs in as its own role.')
@secure()
param postgresAdminPassword string

@description('The municipality file\'s text (YAML). Mounted into the containers; a change starts new instances with it, no image build.')
@secure()
param municipalityYaml string

@description('Instances of Värna. Two or more share the work through PostgreSQL (pg-boss).')
@minValue(1)
@maxValue(10)
param replicas int = 2

@description('false: no instance runs (infra/deploy.sh, at the first installation, until the database role exists).')
param start bool = true

@description('Name of the PostgreSQL server; empty for the default. After a restore to a new server, that server\'s name.')
param postgresServerName string = ''

@description('PostgreSQL compute: Burstable B2s is enough for most municipalities.')
param postgresSku string = 'Standard_B2s'
param postgresTier string = 'Burstable'

@description('Days of PostgreSQL point-in-time backups (7–35).')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 35

@description('Longest a migration job may run, in seconds.')
@minValue(600)
@maxValue(86400)
param migrateTimeoutSeconds int = 7200

@description('Azure Bot pricing tier: Teams is a standard channel, free and unlimited on F0.')
param botSku string = 'F0'

@description('Days Log Analytics keeps logs.')
param logRetentionDays int = 90

@description('E-mail addresses the alerts go to (the operations on-call).')
param alertEmails array = []

@description('Where the alerts\' action group is kept and processed: Sweden Central is one of the regions Azure Monitor offers for regional action groups.')
param alertsLocation string = 'swedencentral'

var suffix = uniqueString(resourceGroup().id, name)
var postgresAdmin = 'varnaadmin'
var databaseName = 'varna'
var appRole = 'varna_app'
var appSchema = 'varna'
var appName = '${name}-app'
var pgName = empty(postgresServerName) ? '${name}-pg-${suffix}' : postgresServerName
var withSecret = botAuth == 'SingleTenant'
var emails = filter(alertEmails, e => !empty(trim(string(e))))

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

// --- identities -----------------------------------------------------------------------------------
// The app's own identity: reads the secrets in Key Vault and pulls the image; no passwords in config.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

// The bot's identity when botAuth is UserAssignedMSI: Teams and the Bot Framework know the bot by
// its client id. It has no role in Azure. (Made in both cases; with SingleTenant it is unused.)
resource botIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-bot-id'
  location: location
}

var botClientId = withSecret ? botAppId : botIdentity.properties.clientId

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
// PostgreSQL and Key Vault have no public endpoint: PostgreSQL lives in its own subnet, Key Vault has
// a private endpoint in the endpoints subnet; both are reachable from the apps subnet only.
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
          // The audit checkpoints' share (below) is reachable from this subnet only.
          serviceEndpoints: [{ service: 'Microsoft.Storage', locations: [location] }]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: '10.40.2.0/24'
          delegations: [{ name: 'postgres', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } }]
        }
      }
      {
        name: 'endpoints'
        properties: {
          addressPrefix: '10.40.3.0/24'
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

resource vaultDns 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
}

resource vaultDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: vaultDns
  name: '${name}-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

// --- PostgreSQL -----------------------------------------------------------------------------------
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: pgName
  location: location
  sku: { name: postgresSku, tier: postgresTier }
  properties: {
    version: '16'
    administratorLogin: postgresAdmin
    administratorLoginPassword: postgresAdminPassword
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

// Logs, and the metrics the CPU and storage alerts read (table AzureMetrics).
resource postgresDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: postgres
  properties: {
    workspaceId: logs.id
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

// Värna signs in as its own role (infra/postgres-app-role.sql), with the password from Key Vault in
// PGPASSWORD, and checks the server's certificate and name (verify-full, against the root
// certificates Node.js carries, among them the DigiCert and Microsoft roots Azure's servers use).
var storeUrl = 'postgres://${appRole}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=verify-full'

// --- Key Vault ------------------------------------------------------------------------------------
// Made by infra/vault.bicep. Here: Värna's read access, the private endpoint, the audit log.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
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

resource vaultEndpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: '${name}-kv-pe'
  location: location
  properties: {
    subnet: { id: '${vnet.id}/subnets/endpoints' }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: vault.id
          groupIds: ['vault']
        }
      }
    ]
  }
}

resource vaultEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = {
  parent: vaultEndpoint
  name: 'vault'
  properties: {
    privateDnsZoneConfigs: [{ name: 'vault', properties: { privateDnsZoneId: vaultDns.id } }]
  }
  dependsOn: [vaultDnsLink]
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logs.id
    logs: [{ category: 'AuditEvent', enabled: true }]
  }
}

// Each secret by its version: Container Apps never picks up a newer one by itself.
var vaultUri = vault.properties.vaultUri
var keySecrets = concat([
  { name: 'data-key', keyVaultUrl: '${vaultUri}secrets/varna-data-key/${dataKeyVersion}', identity: identity.id }
  { name: 'index-key', keyVaultUrl: '${vaultUri}secrets/varna-index-key/${indexKeyVersion}', identity: identity.id }
  { name: 'audit-key', keyVaultUrl: '${vaultUri}secrets/varna-audit-key/${auditKeyVersion}', identity: identity.id }
], empty(oldDataKeysVersion) ? [] : [
  { name: 'old-data-keys', keyVaultUrl: '${vaultUri}secrets/varna-old-data-keys/${oldDataKeysVersion}', identity: identity.id }
], empty(oldIndexKeysVersion) ? [] : [
  { name: 'old-index-keys', keyVaultUrl: '${vaultUri}secrets/varna-old-index-keys/${oldIndexKeysVersion}', identity: identity.id }
], empty(oldAuditKeysVersion) ? [] : [
  { name: 'old-audit-keys', keyVaultUrl: '${vaultUri}secrets/varna-old-audit-keys/${oldAuditKeysVersion}', identity: identity.id }
])
var dbSecret = { name: 'db-password', keyVaultUrl: '${vaultUri}secrets/varna-db-password/${dbPasswordVersion}', identity: identity.id }
var botSecrets = withSecret ? [
  { name: 'bot-password', keyVaultUrl: '${vaultUri}secrets/bot-app-password/${botPasswordVersion}', identity: identity.id }
] : []
var appSecrets = concat(keySecrets, [dbSecret, { name: 'municipality', value: municipalityYaml }], botSecrets)

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

// --- the audit checkpoints' share ---------------------------------------------------------------
// VARNA_AUDIT_CHECKPOINT_FILE: every checkpoint of the audit log is appended to a file on an Azure
// Files share in a storage account of its own, outside the database and out of reach of its
// administrators; reachable from the apps subnet only. Container Apps mounts it with the account key.
resource auditStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'staudit${uniqueString(resourceGroup().id, name)}'
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: true
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      virtualNetworkRules: [{ id: '${vnet.id}/subnets/apps', action: 'Allow' }]
    }
  }
}

resource auditFiles 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = {
  parent: auditStorage
  name: 'default'
  properties: {
    // A deleted share can be brought back for a year.
    shareDeleteRetentionPolicy: { enabled: true, days: 365 }
  }
}

resource auditShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  parent: auditFiles
  name: 'audit'
  properties: { shareQuota: 1, enabledProtocols: 'SMB' }
}

resource auditMount 'Microsoft.App/managedEnvironments/storages@2024-03-01' = {
  parent: environment
  name: 'audit'
  properties: {
    azureFile: {
      accountName: auditStorage.name
      accountKey: auditStorage.listKeys().keys[0].value
      shareName: auditShare.name
      accessMode: 'ReadWrite'
    }
  }
}

var auditDir = '/app/audit'
// The image runs as the user node (uid and gid 1000); the share's files are its own.
var auditVolume = {
  name: 'audit'
  storageType: 'AzureFile'
  storageName: auditMount.name
  mountOptions: 'uid=1000,gid=1000,file_mode=0600,dir_mode=0700'
}

// The app's address: Container Apps gives it <app name>.<environment's default domain>.
var publicUrl = 'https://${appName}.${environment.properties.defaultDomain}'
var configDir = '/app/municipality'

var storeEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'VARNA_STORE_URL', value: storeUrl }
  { name: 'PGPASSWORD', secretRef: 'db-password' }
]
var appEnv = concat(storeEnv, [
  { name: 'PORT', value: '3978' }
  { name: 'BOT_APP_ID', value: botClientId }
  { name: 'BOT_APP_TYPE', value: botAuth }
  { name: 'BOT_TENANT_ID', value: tenantId }
  { name: 'VARNA_DATA_KEY', secretRef: 'data-key' }
  { name: 'VARNA_DATA_KEY_ID', value: dataKeyId }
  { name: 'VARNA_INDEX_KEY', secretRef: 'index-key' }
  { name: 'VARNA_INDEX_KEY_ID', value: indexKeyId }
  { name: 'VARNA_AUDIT_KEY', secretRef: 'audit-key' }
  { name: 'VARNA_AUDIT_KEY_ID', value: auditKeyId }
  { name: 'VARNA_AUDIT_CHECKPOINT_FILE', value: '${auditDir}/checkpoints.jsonl' }
  { name: 'VARNA_OUTBOX_PAUSED', value: outboxPaused }
  { name: 'VARNA_CONFIG', value: '${configDir}/municipality.yaml' }
  // Change with the file and with any secret's version, so that either starts new instances (a new
  // revision): Container Apps does not make one for a changed secret alone.
  { name: 'VARNA_CONFIG_VERSION', value: uniqueString(municipalityYaml) }
  { name: 'VARNA_SECRETS_VERSION', value: uniqueString(dataKeyVersion, oldDataKeysVersion, indexKeyVersion, oldIndexKeysVersion, auditKeyVersion, oldAuditKeysVersion, dbPasswordVersion, botPasswordVersion) }
  { name: 'VARNA_PUBLIC_URL', value: publicUrl }
], empty(oldDataKeysVersion) ? [] : [
  { name: 'VARNA_OLD_DATA_KEYS', secretRef: 'old-data-keys' }
], empty(oldIndexKeysVersion) ? [] : [
  { name: 'VARNA_OLD_INDEX_KEYS', secretRef: 'old-index-keys' }
], empty(oldAuditKeysVersion) ? [] : [
  { name: 'VARNA_OLD_AUDIT_KEYS', secretRef: 'old-audit-keys' }
], withSecret ? [
  { name: 'BOT_APP_PASSWORD', secretRef: 'bot-password' }
] : [])
var municipalityVolume = {
  name: 'municipality'
  storageType: 'Secret'
  secrets: [{ secretRef: 'municipality', path: 'municipality.yaml' }]
}
var registries = [{ server: registry.properties.loginServer, identity: identity.id }]
var appIdentities = withSecret ? { '${identity.id}': {} } : { '${identity.id}': {}, '${botIdentity.id}': {} }

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: appIdentities
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
      registries: registries
      secrets: appSecrets
    }
    template: {
      containers: [
        {
          name: 'varna'
          image: image
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: appEnv
          volumeMounts: [{ volumeName: 'municipality', mountPath: configDir }, { volumeName: 'audit', mountPath: auditDir }]
          probes: [
            // Up to about five minutes before the first answer: Värna migrates at start. An upgrade
            // runs the migrations before, in the migrate job (infra/deploy.sh); then there is nothing
            // left to do here and Värna answers within seconds.
            { type: 'Startup', httpGet: { path: '/healthz', port: 3978 }, initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 10 }
            { type: 'Liveness', httpGet: { path: '/healthz', port: 3978 }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: 3978 }, periodSeconds: 10, failureThreshold: 3 }
          ]
        }
      ]
      volumes: [municipalityVolume, auditVolume]
      scale: { minReplicas: start ? replicas : 0, maxReplicas: start ? replicas : 1 }
    }
  }
  dependsOn: [pullRole, secretsRole, vaultEndpointDns, requireTls]
}

// --- jobs: the steps that run before or beside the app --------------------------------------------
// Migrations of an upgrade, before the new version starts (infra/deploy.sh runs it when the image
// changes). Needs the store only.
resource migrateJob 'Microsoft.App/jobs@2024-03-01' = {
  name: '${name}-migrate'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: migrateTimeoutSeconds
      replicaRetryLimit: 0
      registries: registries
      secrets: [dbSecret]
    }
    template: {
      containers: [
        {
          name: 'migrate'
          image: image
          command: ['node', 'dist/src/migrate.js']
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: storeEnv
        }
      ]
    }
  }
  dependsOn: [pullRole, secretsRole, vaultEndpointDns, requireTls]
}

// Värna's own database role (infra/postgres-app-role.sql), run as the server administrator at the
// first installation, after a restore, and to rotate the database password.
resource dbSetupJob 'Microsoft.App/jobs@2024-03-01' = {
  name: '${name}-db-setup'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 600
      replicaRetryLimit: 0
      registries: registries
      secrets: [
        dbSecret
        { name: 'admin-password', value: postgresAdminPassword }
        { name: 'role-sql', value: loadTextContent('postgres-app-role.sql') }
      ]
    }
    template: {
      containers: [
        {
          name: 'psql'
          image: psqlImage
          command: ['sh', '-c', 'exec psql -X -q -v app_role="$APP_ROLE" -v app_schema="$APP_SCHEMA" -v app_password="$APP_PASSWORD" -f /sql/postgres-app-role.sql']
          resources: { cpu: json('0.25'), memory: '0.5Gi' }
          env: [
            { name: 'PGHOST', value: postgres.properties.fullyQualifiedDomainName }
            { name: 'PGPORT', value: '5432' }
            { name: 'PGDATABASE', value: databaseName }
            { name: 'PGUSER', value: postgresAdmin }
            { name: 'PGPASSWORD', secretRef: 'admin-password' }
            { name: 'PGSSLMODE', value: 'verify-full' }
            { name: 'PGSSLROOTCERT', value: 'system' }
            { name: 'APP_ROLE', value: appRole }
            { name: 'APP_SCHEMA', value: appSchema }
            { name: 'APP_PASSWORD', secretRef: 'db-password' }
          ]
          volumeMounts: [{ volumeName: 'sql', mountPath: '/sql' }]
        }
      ]
      volumes: [
        {
          name: 'sql'
          storageType: 'Secret'
          secrets: [{ secretRef: 'role-sql', path: 'postgres-app-role.sql' }]
        }
      ]
    }
  }
  dependsOn: [pullRole, secretsRole, vaultEndpointDns, requireTls]
}

// Key rotation (`npm run keys:rotate`, docs/deployment.md "Rotating keys on Azure"): the app's own
// settings, keys and municipality file, on demand.
resource keysJob 'Microsoft.App/jobs@2024-03-01' = {
  name: '${name}-keys'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: appIdentities
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 86400
      replicaRetryLimit: 0
      registries: registries
      secrets: appSecrets
    }
    template: {
      containers: [
        {
          name: 'keys'
          image: image
          // The compiled CLI: the image has no tsx (a development dependency), so `npm run keys:rotate` cannot run there.
          command: ['node', 'dist/src/cli/keys-rotate.js']
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: appEnv
          volumeMounts: [{ volumeName: 'municipality', mountPath: configDir }, { volumeName: 'audit', mountPath: auditDir }]
        }
      ]
      volumes: [municipalityVolume, auditVolume]
    }
  }
  dependsOn: [pullRole, secretsRole, vaultEndpointDns, requireTls]
}

// --- Azure Bot ------------------------------------------------------------------------------------
// The one Azure Bot of this installation (nothing is made in the portal). EU-regional by default.
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${name}-bot'
  location: botLocation
  kind: 'azurebot'
  sku: { name: botSku }
  properties: union({
    displayName: 'Värna'
    endpoint: '${publicUrl}/api/messages'
    msaAppId: botClientId
    msaAppType: botAuth
    msaAppTenantId: tenantId
    disableLocalAuth: false
  }, withSecret ? {} : { msaAppMSIResourceId: botIdentity.id })
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: botLocation
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

// --- alerts ---------------------------------------------------------------------------------------
// What needs a person, as Log Analytics queries over Värna's log lines (each a JSON object with an
// "event"; docs/deployment.md lists them) and the database's metrics. Each alert mails alertEmails.
resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${name}-alerts'
  location: alertsLocation
  properties: {
    groupShortName: 'Varna'
    enabled: true
    emailReceivers: [for (email, i) in emails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
  }
}

var appLogs = 'ContainerAppConsoleLogs_CL | where ContainerAppName_s == \'${appName}\''
func has(event string) string => 'Log_s has \'"event":"${event}"\''
var countAlerts = [
  {
    key: 'job-failed'
    severity: 1
    title: 'a scheduled job failed (e.g. the nightly retention purge)'
    description: 'A scheduled job logged job.failed; it is retried every half minute. The line names the job (retention.purge, consultations.purge, intake.clocks, reminders.*). See docs/deployment.md, "When an alert comes".'
    query: '${appLogs} | where ${has('job.failed')}'
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    key: 'purge-not-run'
    severity: 1
    title: 'the nightly retention purge has not run for 26 hours'
    description: 'No job.ran for retention.purge in 26 hours while Värna has been running longer than that. Data past its retention time is kept until it runs.'
    query: 'let app = ${appLogs}; let purged = toscalar(app | where TimeGenerated > ago(26h) | where ${has('job.ran')} and Log_s has \'"job":"retention.purge"\' | count); let running = toscalar(app | where TimeGenerated < ago(26h) | count); print ranPurge = purged, logLines = running | where ranPurge == 0 and logLines > 0'
    frequency: 'PT1H'
    window: 'P1D'
  }
  {
    key: 'outbox-deadline'
    severity: 1
    title: 'a report did not reach the intake channel in time'
    description: 'outbox.deadline: a message was not delivered by its deadline; the reporter has been told to phone the intake unit.'
    query: '${appLogs} | where ${has('outbox.deadline')}'
    frequency: 'PT5M'
    window: 'PT5M'
  }
  {
    key: 'delivery-failing'
    severity: 2
    title: 'messages to Teams are failing'
    description: 'outbox.failed (a message given up), or more than 30 outbox.retry in 15 minutes (Teams or the Bot Connector refusing or unreachable; also an expired client secret).'
    query: '${appLogs} | summarize failed = countif(${has('outbox.failed')}), retries = countif(${has('outbox.retry')}) | where failed > 0 or retries > 30'
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    key: 'restarts'
    severity: 1
    title: 'instances stop or restart'
    description: 'process.fatal; a refusal to start (Värna then prints its reason, e.g. a wrong setting or a key that does not match, outside its JSON log lines); or more starts than a deployment makes.'
    query: '${appLogs} | summarize fatal = countif(${has('process.fatal')} or (Log_s !startswith \'{\' and Log_s !startswith \'(node:\' and isnotempty(trim(\' \', Log_s)))), starts = countif(${has('started')}) | where fatal > 0 or starts > ${2 * replicas}'
    frequency: 'PT5M'
    window: 'PT30M'
  }
  {
    key: 'database-unreachable'
    severity: 2
    title: 'an instance cannot reach the database'
    description: 'More than 20 store.connection-lost or queue.error lines in 10 minutes. A short burst during Azure maintenance is expected and does not fire this.'
    query: '${appLogs} | where ${has('store.connection-lost')} or ${has('queue.error')} | summarize n = count() | where n > 20'
    frequency: 'PT5M'
    window: 'PT10M'
  }
]

resource countAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for a in countAlerts: {
  name: '${name}-${a.key}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'Värna (${name}): ${a.title}'
    description: a.description
    severity: a.severity
    enabled: true
    evaluationFrequency: a.frequency
    windowSize: a.window
    overrideQueryTimeRange: a.key == 'purge-not-run' ? 'P2D' : null
    scopes: [logs.id]
    criteria: {
      allOf: [
        {
          query: a.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
}]

var metricAlerts = [
  { key: 'postgres-cpu', metric: 'cpu_percent', threshold: 80, title: 'the database server\'s CPU is above 80 %', window: 'PT15M' }
  { key: 'postgres-storage', metric: 'storage_percent', threshold: 85, title: 'the database server\'s storage is above 85 % full', window: 'PT30M' }
]

resource metricAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for m in metricAlerts: {
  name: '${name}-${m.key}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'Värna (${name}): ${m.title}'
    description: 'Average of the PostgreSQL metric ${m.metric} (AzureMetrics, from the server\'s diagnostic setting) over ${m.window}.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: m.window
    scopes: [logs.id]
    criteria: {
      allOf: [
        {
          query: 'AzureMetrics | where ResourceId =~ \'${postgres.id}\' and MetricName == \'${m.metric}\''
          timeAggregation: 'Average'
          metricMeasureColumn: 'Average'
          operator: 'GreaterThan'
          threshold: m.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
  dependsOn: [postgresDiagnostics]
}]

// The bot's client secret stops working on its expiry date: the bot then cannot answer at all.
resource secretExpiryRule 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = if (withSecret && !empty(botPasswordExpiresOn)) {
  name: '${name}-bot-secret-expiry'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'Värna (${name}): the bot\'s client secret expires within 30 days'
    description: 'The client secret expires on ${botPasswordExpiresOn}. Rotate it: docs/deployment.md, "Rotate the bot\'s client secret".'
    severity: 2
    enabled: true
    evaluationFrequency: 'P1D'
    windowSize: 'P1D'
    scopes: [logs.id]
    criteria: {
      allOf: [
        {
          query: 'print daysLeft = datetime_diff(\'day\', datetime(${botPasswordExpiresOn}), now()) | where daysLeft <= 30'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
}

output publicUrl string = publicUrl
output endpoint string = '${publicUrl}/api/messages'
@description('BOT_APP_ID for the Teams app package: the managed identity\'s client id, or the app registration\'s.')
output botAppId string = botClientId
output appName string = app.name
output migrateJob string = migrateJob.name
output dbSetupJob string = dbSetupJob.name
output keysJob string = keysJob.name
output postgresServer string = postgres.properties.fullyQualifiedDomainName
output logAnalyticsWorkspace string = logs.name
