/*
    setup/02_roles_and_grants.sql: the database dbt builds into and two least-privilege roles. Run it after
    01_raw_load.sql, as an admin who may use SYSADMIN and SECURITYADMIN. Safe to run again: every statement
    is `if not exists` or a grant, which is a no-op when it is already in place.

    ANALYTICS                    the database dbt builds into (SNOWFLAKE_DATABASE in profiles.yml)
      DBT_<NAME> ...             one development schema per developer, created by dbt (target `snowflake`)
      PRODUCTION                 built by the deployment jobs (target `prod`), read by reporting

    TRANSFORMER  for dbt: developers, CI and the dbt Cloud jobs.
                 Reads FORMULA1.RAW. Creates schemas in ANALYTICS (and so owns its development schemas).
                 Creates tables, views, stages (the model artifact stage) and functions (the prediction
                 UDF) in ANALYTICS.PRODUCTION, but cannot drop that schema or grant on it.
                 Uses warehouse COMPUTE_WH (03_warehouses.sql adds TRANSFORMING and TRAINING).
    REPORTER     for dashboards and analysts: reads ANALYTICS.PRODUCTION, nothing else, on COMPUTE_WH.

    Nothing is granted to PUBLIC. Both roles are granted to SYSADMIN, Snowflake's recommended hierarchy, so
    the administrators keep control of every object these roles create.

    Python models need Anaconda packages enabled once per organisation (quickstart, "Configure Snowflake").
    A warehouse other than COMPUTE_WH: replace its name in the two `grant usage on warehouse` lines.
    Stricter still: give the production deployment its own role (e.g. DEPLOYER) holding the PRODUCTION
    privileges below, and leave TRANSFORMER only CREATE SCHEMA, so developers cannot write to production.
*/

-- Objects: owned by SYSADMIN.
use role sysadmin;

create database if not exists analytics
    comment = 'dbt builds: development schemas dbt_<name> and schema production (formula1_ml project)';
create schema if not exists analytics.production
    comment = 'Built only by the formula1_ml deployment jobs (dbt target prod); read by role REPORTER';

-- Roles and grants: SECURITYADMIN holds MANAGE GRANTS, so it may grant on objects it does not own.
use role securityadmin;

create role if not exists transformer
    comment = 'dbt: reads FORMULA1.RAW, builds in ANALYTICS (development schemas and PRODUCTION)';
create role if not exists reporter
    comment = 'Read only: ANALYTICS.PRODUCTION';

grant role transformer to role sysadmin;
grant role reporter to role sysadmin;

-- TRANSFORMER: compute.
grant usage on warehouse compute_wh to role transformer;

-- TRANSFORMER: read the raw data. 01_raw_load.sql replaces the raw tables with COPY GRANTS, and the future
-- grant covers tables added to the schema later.
grant usage on database formula1 to role transformer;
grant usage on schema formula1.raw to role transformer;
grant select on all tables in schema formula1.raw to role transformer;
grant select on future tables in schema formula1.raw to role transformer;

-- TRANSFORMER: development. dbt creates each developer's schema and owns what it creates there.
grant usage on database analytics to role transformer;
grant create schema on database analytics to role transformer;

-- TRANSFORMER: production. The privileges dbt needs to build tables, views (also the temporary ones of
-- incremental models), the model artifact stage and the prediction UDF; no ownership of the schema.
-- Python models run as anonymous stored procedures, which need no CREATE PROCEDURE.
grant usage on schema analytics.production to role transformer;
grant create table on schema analytics.production to role transformer;
grant create view on schema analytics.production to role transformer;
grant create stage on schema analytics.production to role transformer;
grant create function on schema analytics.production to role transformer;

-- REPORTER: compute, and read access to production only: existing and future tables and views.
grant usage on warehouse compute_wh to role reporter;
grant usage on database analytics to role reporter;
grant usage on schema analytics.production to role reporter;
grant select on all tables in schema analytics.production to role reporter;
grant select on all views in schema analytics.production to role reporter;
grant select on future tables in schema analytics.production to role reporter;
grant select on future views in schema analytics.production to role reporter;

/*
    Users: grant the roles to named users, never to PUBLIC. For example (replace the names):

        grant role transformer to user jdoe;            -- a developer (profiles.yml target `snowflake`)
        grant role transformer to user dbt_cloud;       -- the deployment user (target `prod`)
        grant role reporter to user bi_tool;

    A service user for CI or dbt Cloud should authenticate with a key pair, not a password: see
    docs/snowflake.md ("Key-pair authentication").
*/
