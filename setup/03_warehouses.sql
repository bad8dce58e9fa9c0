/*
    setup/03_warehouses.sql (optional): two warehouses sized for this project, both suspended when idle.
    Run it after 02_roles_and_grants.sql. Safe to run again: `if not exists`, and grants are no-ops when
    already in place. Without it everything runs on COMPUTE_WH.

    TRANSFORMING  X-Small standard warehouse for the SQL models, tests and predictions. Use it with
                  SNOWFLAKE_WAREHOUSE=transforming (profiles.yml).
    TRAINING      X-Small Snowpark-optimized warehouse (RESOURCE_CONSTRAINT MEMORY_1X: 16 GB on one node, the
                  smallest Snowpark-optimized size) for the model training stored procedure. Point the
                  training model at it with the dbt config `snowflake_warehouse: training`; the rest of the
                  run stays on TRANSFORMING. A larger data set may need MEMORY_16X (size MEDIUM or larger).

    AUTO_SUSPEND = 60 seconds: a warehouse bills per second with a one-minute minimum after each resume, so
    a longer idle time only costs money. INITIALLY_SUSPENDED: creating them costs nothing.
*/

use role sysadmin;

create warehouse if not exists transforming
    warehouse_size = 'XSMALL'
    warehouse_type = 'STANDARD'
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true
    comment = 'formula1_ml: dbt SQL models, tests and predictions';

create warehouse if not exists training
    warehouse_size = 'XSMALL'
    warehouse_type = 'SNOWPARK-OPTIMIZED'
    resource_constraint = 'MEMORY_1X'
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true
    comment = 'formula1_ml: model training (Snowpark stored procedure)';

use role securityadmin;

grant usage on warehouse transforming to role transformer;
grant usage on warehouse training to role transformer;
-- Reporting queries are small: REPORTER shares TRANSFORMING (give it its own warehouse to separate costs).
grant usage on warehouse transforming to role reporter;
