// Parameters for infra/secret.bicep, all from the environment: the value never appears on a command
// line or in a file. infra/put-secret.sh sets them.
using './secret.bicep'

param vaultName = readEnvironmentVariable('VARNA_KEY_VAULT')
param secretName = readEnvironmentVariable('VARNA_SECRET_NAME')
param value = readEnvironmentVariable('VARNA_SECRET_VALUE')
