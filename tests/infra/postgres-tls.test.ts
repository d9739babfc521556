import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { parse } from 'pg-connection-string';

describe("the store URL on Azure checks the database server's certificate (sslmode=verify-full)", () => {
  const bicep = readFileSync('infra/main.bicep', 'utf8');
  const template = /var storeUrl = '([^']*)'/.exec(bicep)?.[1];
  const url = template
    ?.replace('${appRole}', 'varna_app')
    .replace('${postgres.properties.fullyQualifiedDomainName}', 'varna-exempel-pg-abc.postgres.database.azure.com')
    .replace('${databaseName}', 'varna');

  it('gives node-postgres a TLS setting that verifies the chain and the host name', () => {
    assert.ok(url, 'infra/main.bicep sets var storeUrl');
    const config = parse(url);
    assert.equal(config.host, 'varna-exempel-pg-abc.postgres.database.azure.com');
    assert.equal(config.user, 'varna_app');
    assert.ok(!config.password, 'no password in the URL');
    // An object, not `false` and without rejectUnauthorized: false or a checkServerIdentity that
    // skips the name: Node.js then checks both against its own root certificates.
    assert.deepEqual(config.ssl, {});
  });

  it('takes the password from PGPASSWORD (the Key Vault secret), as node-postgres and pg-boss connect', () => {
    assert.ok(url);
    const before = process.env.PGPASSWORD;
    process.env.PGPASSWORD = 'from-key-vault';
    try {
      const ConnectionParameters = require('pg/lib/connection-parameters') as new (config: { connectionString: string }) => {
        password: string;
        user: string;
      };
      const params = new ConnectionParameters({ connectionString: url });
      assert.equal(params.user, 'varna_app');
      assert.equal(params.password, 'from-key-vault');
    } finally {
      if (before === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = before;
    }
  });

  it('finds the root certificates Azure Database for PostgreSQL chains to among those Node.js carries', () => {
    const subjects = rootCertificates.map((pem) => new X509Certificate(pem).subject);
    // Not DigiCert Global Root CA (G1) any more: Azure moved its servers to G2, and Node.js 22.x
    // (22.23.5 here) no longer carries G1.
    for (const root of ['DigiCert Global Root G2', 'Microsoft RSA Root Certificate Authority 2017']) {
      assert.ok(
        subjects.some((s) => s.includes(`CN=${root}`)),
        `${root} is not among Node.js's root certificates`,
      );
    }
  });
});
