-- Värna's own PostgreSQL role: the app does not connect as the server administrator.
--
-- Run by the server administrator, connected to Värna's database (docs/deployment.md, "The
-- database role"). On Azure the Container Apps job <name>-db-setup (infra/main.bicep) runs it;
-- infra/deploy.sh starts that job at the first installation. By hand, from inside the network:
--   psql "host=<server> dbname=varna user=varnaadmin sslmode=verify-full sslrootcert=system" \
--     -v app_role=varna_app -v app_schema=varna -v app_password="$PASSWORD" \
--     -f infra/postgres-app-role.sql
-- Safe to run again: it creates what is missing and (re)sets the password, which is how the
-- database password is rotated. tests/infra/postgres-role.test.ts runs it as an administrator with
-- the rights Azure's has (CREATEROLE, CREATEDB, no SUPERUSER) and starts Värna as the role.
--
-- The role gets: LOGIN with its password; ownership of this database (pg-boss creates its own
-- schema in it) and of the schema Värna's tables go in; that schema as its search_path here.
-- It does not get: SUPERUSER (Azure gives it to nobody), CREATEDB, CREATEROLE, REPLICATION,
-- BYPASSRLS, membership of azure_pg_admin, or any right in another database beyond what every
-- role has. The password is sent in an ALTER ROLE statement: keep the server parameter
-- log_statement at its default (none), so that it is not written to the server's log.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" WITH LOGIN PASSWORD :'app_password';

-- Since PostgreSQL 16 an administrator may hand an object to a role only as a member of it.
GRANT :"app_role" TO CURRENT_USER;
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'app_role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec

CREATE SCHEMA IF NOT EXISTS :"app_schema" AUTHORIZATION :"app_role";
SELECT format('ALTER ROLE %I IN DATABASE %I SET search_path = %I', :'app_role', current_database(), :'app_schema') \gexec
