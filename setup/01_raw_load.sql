/*
    setup/01_raw_load.sql: the 14 raw Formula 1 tables in FORMULA1.RAW, loaded from the public S3 bucket the
    dbt/Snowflake quickstart uses. Run it first, once, as a Snowflake admin (Snowsight "Run all", or
    `snowsql -f setup/01_raw_load.sql`); then 02_roles_and_grants.sql, then (optionally) 03_warehouses.sql.

    What it does
      - creates database FORMULA1 and schema RAW only if they are missing: unlike the quickstart it never
        runs `create or replace database`, so nothing else a user keeps there is wiped;
      - (re)defines the CSV file format and the external stage on
        s3://formula1-dbt-cloud-python-demo/formula1-kaggle-data/ (both hold no data);
      - REPLACES the 14 raw tables and loads them: running the script twice gives the same rows, not twice
        as many. `copy grants` keeps the grants made on the tables by 02_roles_and_grants.sql. These 14
        tables belong to this script; keep your own tables elsewhere;
      - keeps every rejected row aside in FORMULA1.RAW.LOAD_ERRORS (from VALIDATE) and ends with a report,
        one row per table, so no load error goes unseen: read it, everything should say 'ok'.

    Columns and types are those of src/f1ml/raw/tables.py (the DuckDB loader reads the same list;
    tests/python/test_setup_sql.py checks they agree): INTEGER -> NUMBER(38,0), FLOAT -> FLOAT,
    VARCHAR -> VARCHAR, DATE -> DATE, names upper-case. One deliberate deviation from the quickstart:
    POINTS is FLOAT in every table, because half points exist and NUMBER(38,0) would round them.

    Files are loaded by position, as in the quickstart (their headers are camelCase, so MATCH_BY_COLUMN_NAME
    cannot map them): a file with an extra or missing column is rejected row by row, never shifted. The
    exception is the three tables whose last columns are optional (csvformat_ragged below): a row may end
    early there, and an extra field is dropped, so check the header of a new export of those files.
    ON_ERROR = CONTINUE loads the good rows of a file with bad ones; the bad ones are counted below.

    Loading the data shipped in this repository instead (data/formula1/*.csv.gz, a newer vintage): create an
    internal stage with the same file format, `put file://data/formula1/*.csv.gz @<stage>` from SnowSQL,
    point the COPY statements at it and use files = ('<table>.csv.gz'); compression is detected.
*/

-- A role that may create databases; SYSADMIN owns the objects (not ACCOUNTADMIN, by good practice).
use role sysadmin;
-- Any warehouse you may use; COMPUTE_WH exists in trial accounts, 03_warehouses.sql adds TRANSFORMING.
use warehouse compute_wh;

set load_started_at = current_timestamp();

create database if not exists formula1
    comment = 'Formula 1 raw data (Ergast/Kaggle layout), loaded by setup/01_raw_load.sql';
create schema if not exists formula1.raw
    comment = '14 raw tables, replaced and reloaded by setup/01_raw_load.sql; rejected rows in LOAD_ERRORS';
use schema formula1.raw;

-- Strings are double-quoted, \N means null (written '\\N' in a Snowflake string), one header line.
-- Encoding: files are UTF-8; a row with invalid UTF-8 (e.g. a drivers.csv saved as Windows-1252 by a
-- spreadsheet) is rejected into LOAD_ERRORS. To load such a file, give its COPY a copy of this format with
-- encoding = 'WINDOWS1252' (or 'ISO-8859-1'): the twin of f1-load-raw --encoding cp1252.
create or replace file format formula1.raw.csvformat
    type = csv
    field_delimiter = ','
    field_optionally_enclosed_by = '"'
    skip_header = 1
    null_if = ('\\N')
    empty_field_as_null = true
    error_on_column_count_mismatch = true
    encoding = 'UTF8'
    compression = auto;

-- The same format for the tables whose last columns are optional (src/f1ml/raw/tables.py: RACES'
-- session dates and times, QUALIFYING's Q1-Q3, CONSTRUCTOR_RESULTS' STATUS). Newer exports end a row after
-- its last non-empty field (the rows of the newest season in the 2025 races.csv stop after URL) and 2020
-- files have an 8-column races.csv: such a row loads with NULL in the columns it lacks. Unlike the DuckDB
-- loader, Snowflake cannot tell a missing required field from a missing optional one, nor count the padded
-- rows, and it drops extra fields instead of rejecting the row; the sources' not_null tests catch a row
-- that lacks a required key.
create or replace file format formula1.raw.csvformat_ragged
    type = csv
    field_delimiter = ','
    field_optionally_enclosed_by = '"'
    skip_header = 1
    null_if = ('\\N')
    empty_field_as_null = true
    error_on_column_count_mismatch = false
    encoding = 'UTF8'
    compression = auto;

create or replace stage formula1.raw.formula1_stage
    url = 's3://formula1-dbt-cloud-python-demo/formula1-kaggle-data/'
    file_format = formula1.raw.csvformat
    comment = 'Public bucket of the dbt/Snowflake Formula 1 quickstart; read only, no credentials needed';

/*
    One block per table: create (replace) the table, COPY the file into it, keep the rows the COPY rejected.
    VALIDATE(..., job_id => '_last') returns the rejected rows of the last COPY of this session. The first
    block creates LOAD_ERRORS from it, the others add to it.
*/

-- CIRCUITS
create or replace table formula1.raw.circuits (
    CIRCUIT_ID  NUMBER(38,0),
    CIRCUIT_REF VARCHAR,
    NAME        VARCHAR,
    LOCATION    VARCHAR,
    COUNTRY     VARCHAR,
    LAT         FLOAT,
    LNG         FLOAT,
    ALT         NUMBER(38,0),
    URL         VARCHAR
) copy grants;
copy into formula1.raw.circuits
    from @formula1.raw.formula1_stage
    files = ('circuits.csv')
    on_error = 'continue';
create or replace table formula1.raw.load_errors copy grants as
    select 'CIRCUITS'::varchar as table_name, v.*
    from table(validate(formula1.raw.circuits, job_id => '_last')) as v;

-- CONSTRUCTOR_RESULTS
-- POINTS is FLOAT, not NUMBER(38,0) as in the quickstart: half points exist (shortened races).
create or replace table formula1.raw.constructor_results (
    CONSTRUCTOR_RESULTS_ID NUMBER(38,0),
    RACE_ID                NUMBER(38,0),
    CONSTRUCTOR_ID         NUMBER(38,0),
    POINTS                 FLOAT,
    STATUS                 VARCHAR
) copy grants;
copy into formula1.raw.constructor_results
    from @formula1.raw.formula1_stage
    files = ('constructor_results.csv')
    file_format = (format_name = 'formula1.raw.csvformat_ragged')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'CONSTRUCTOR_RESULTS', v.*
    from table(validate(formula1.raw.constructor_results, job_id => '_last')) as v;

-- CONSTRUCTOR_STANDINGS
-- POINTS is FLOAT (half points), see CONSTRUCTOR_RESULTS.
create or replace table formula1.raw.constructor_standings (
    CONSTRUCTOR_STANDINGS_ID NUMBER(38,0),
    RACE_ID                  NUMBER(38,0),
    CONSTRUCTOR_ID           NUMBER(38,0),
    POINTS                   FLOAT,
    POSITION                 FLOAT,
    POSITION_TEXT            VARCHAR,
    WINS                     NUMBER(38,0)
) copy grants;
copy into formula1.raw.constructor_standings
    from @formula1.raw.formula1_stage
    files = ('constructor_standings.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'CONSTRUCTOR_STANDINGS', v.*
    from table(validate(formula1.raw.constructor_standings, job_id => '_last')) as v;

-- CONSTRUCTORS
create or replace table formula1.raw.constructors (
    CONSTRUCTOR_ID  NUMBER(38,0),
    CONSTRUCTOR_REF VARCHAR,
    NAME            VARCHAR,
    NATIONALITY     VARCHAR,
    URL             VARCHAR
) copy grants;
copy into formula1.raw.constructors
    from @formula1.raw.formula1_stage
    files = ('constructors.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'CONSTRUCTORS', v.*
    from table(validate(formula1.raw.constructors, job_id => '_last')) as v;

-- DRIVER_STANDINGS
-- POINTS is FLOAT (half points), see CONSTRUCTOR_RESULTS.
create or replace table formula1.raw.driver_standings (
    DRIVER_STANDINGS_ID NUMBER(38,0),
    RACE_ID             NUMBER(38,0),
    DRIVER_ID           NUMBER(38,0),
    POINTS              FLOAT,
    POSITION            FLOAT,
    POSITION_TEXT       VARCHAR,
    WINS                NUMBER(38,0)
) copy grants;
copy into formula1.raw.driver_standings
    from @formula1.raw.formula1_stage
    files = ('driver_standings.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'DRIVER_STANDINGS', v.*
    from table(validate(formula1.raw.driver_standings, job_id => '_last')) as v;

-- DRIVERS
create or replace table formula1.raw.drivers (
    DRIVER_ID   NUMBER(38,0),
    DRIVER_REF  VARCHAR,
    NUMBER      VARCHAR,
    CODE        VARCHAR,
    FORENAME    VARCHAR,
    SURNAME     VARCHAR,
    DOB         DATE,
    NATIONALITY VARCHAR,
    URL         VARCHAR
) copy grants;
copy into formula1.raw.drivers
    from @formula1.raw.formula1_stage
    files = ('drivers.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'DRIVERS', v.*
    from table(validate(formula1.raw.drivers, job_id => '_last')) as v;

-- LAP_TIMES
create or replace table formula1.raw.lap_times (
    RACE_ID      NUMBER(38,0),
    DRIVER_ID    NUMBER(38,0),
    LAP          NUMBER(38,0),
    POSITION     FLOAT,
    TIME         VARCHAR,
    MILLISECONDS NUMBER(38,0)
) copy grants;
copy into formula1.raw.lap_times
    from @formula1.raw.formula1_stage
    files = ('lap_times.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'LAP_TIMES', v.*
    from table(validate(formula1.raw.lap_times, job_id => '_last')) as v;

-- PIT_STOPS
create or replace table formula1.raw.pit_stops (
    RACE_ID      NUMBER(38,0),
    DRIVER_ID    NUMBER(38,0),
    STOP         NUMBER(38,0),
    LAP          NUMBER(38,0),
    TIME         VARCHAR,
    DURATION     VARCHAR,
    MILLISECONDS NUMBER(38,0)
) copy grants;
copy into formula1.raw.pit_stops
    from @formula1.raw.formula1_stage
    files = ('pit_stops.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'PIT_STOPS', v.*
    from table(validate(formula1.raw.pit_stops, job_id => '_last')) as v;

-- QUALIFYING
create or replace table formula1.raw.qualifying (
    QUALIFYING_ID  NUMBER(38,0),
    RACE_ID        NUMBER(38,0),
    DRIVER_ID      NUMBER(38,0),
    CONSTRUCTOR_ID NUMBER(38,0),
    NUMBER         NUMBER(38,0),
    POSITION       FLOAT,
    Q1             VARCHAR,
    Q2             VARCHAR,
    Q3             VARCHAR
) copy grants;
copy into formula1.raw.qualifying
    from @formula1.raw.formula1_stage
    files = ('qualifying.csv')
    file_format = (format_name = 'formula1.raw.csvformat_ragged')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'QUALIFYING', v.*
    from table(validate(formula1.raw.qualifying, job_id => '_last')) as v;

-- RACES
-- FP1_DATE .. SPRINT_TIME arrived with the 2021 files. A 2020-vintage races.csv has 8 columns, and the 2025
-- export ends the rows of its newest season after URL: csvformat_ragged loads those rows with the ten
-- session columns null.
create or replace table formula1.raw.races (
    RACE_ID     NUMBER(38,0),
    YEAR        NUMBER(38,0),
    ROUND       NUMBER(38,0),
    CIRCUIT_ID  NUMBER(38,0),
    NAME        VARCHAR,
    DATE        DATE,
    TIME        VARCHAR,
    URL         VARCHAR,
    FP1_DATE    VARCHAR,
    FP1_TIME    VARCHAR,
    FP2_DATE    VARCHAR,
    FP2_TIME    VARCHAR,
    FP3_DATE    VARCHAR,
    FP3_TIME    VARCHAR,
    QUALI_DATE  VARCHAR,
    QUALI_TIME  VARCHAR,
    SPRINT_DATE VARCHAR,
    SPRINT_TIME VARCHAR
) copy grants;
copy into formula1.raw.races
    from @formula1.raw.formula1_stage
    files = ('races.csv')
    file_format = (format_name = 'formula1.raw.csvformat_ragged')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'RACES', v.*
    from table(validate(formula1.raw.races, job_id => '_last')) as v;

-- RESULTS
-- POINTS is FLOAT (half points), see CONSTRUCTOR_RESULTS.
create or replace table formula1.raw.results (
    RESULT_ID         NUMBER(38,0),
    RACE_ID           NUMBER(38,0),
    DRIVER_ID         NUMBER(38,0),
    CONSTRUCTOR_ID    NUMBER(38,0),
    NUMBER            NUMBER(38,0),
    GRID              NUMBER(38,0),
    POSITION          FLOAT,
    POSITION_TEXT     VARCHAR,
    POSITION_ORDER    NUMBER(38,0),
    POINTS            FLOAT,
    LAPS              NUMBER(38,0),
    TIME              VARCHAR,
    MILLISECONDS      NUMBER(38,0),
    FASTEST_LAP       NUMBER(38,0),
    RANK              NUMBER(38,0),
    FASTEST_LAP_TIME  VARCHAR,
    FASTEST_LAP_SPEED FLOAT,
    STATUS_ID         NUMBER(38,0)
) copy grants;
copy into formula1.raw.results
    from @formula1.raw.formula1_stage
    files = ('results.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'RESULTS', v.*
    from table(validate(formula1.raw.results, job_id => '_last')) as v;

-- SEASONS
create or replace table formula1.raw.seasons (
    YEAR NUMBER(38,0),
    URL  VARCHAR
) copy grants;
copy into formula1.raw.seasons
    from @formula1.raw.formula1_stage
    files = ('seasons.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'SEASONS', v.*
    from table(validate(formula1.raw.seasons, job_id => '_last')) as v;

-- SPRINT_RESULTS
-- POINTS is FLOAT (half points). Files before 2021 have no sprint_results.csv: the COPY then
-- processes 0 files and the report says NO FILE LOADED, which is expected for that vintage only.
-- Newer files may add a column (e.g. RANK): positional loading then rejects every row rather than
-- shifting values into the wrong columns; add the column here and in src/f1ml/raw/tables.py.
create or replace table formula1.raw.sprint_results (
    RESULT_ID        NUMBER(38,0),
    RACE_ID          NUMBER(38,0),
    DRIVER_ID        NUMBER(38,0),
    CONSTRUCTOR_ID   NUMBER(38,0),
    NUMBER           NUMBER(38,0),
    GRID             NUMBER(38,0),
    POSITION         FLOAT,
    POSITION_TEXT    VARCHAR,
    POSITION_ORDER   NUMBER(38,0),
    POINTS           FLOAT,
    LAPS             NUMBER(38,0),
    TIME             VARCHAR,
    MILLISECONDS     NUMBER(38,0),
    FASTEST_LAP      VARCHAR,
    FASTEST_LAP_TIME VARCHAR,
    STATUS_ID        NUMBER(38,0)
) copy grants;
copy into formula1.raw.sprint_results
    from @formula1.raw.formula1_stage
    files = ('sprint_results.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'SPRINT_RESULTS', v.*
    from table(validate(formula1.raw.sprint_results, job_id => '_last')) as v;

-- STATUS
create or replace table formula1.raw.status (
    STATUS_ID NUMBER(38,0),
    STATUS    VARCHAR
) copy grants;
copy into formula1.raw.status
    from @formula1.raw.formula1_stage
    files = ('status.csv')
    on_error = 'continue';
insert into formula1.raw.load_errors
    select 'STATUS', v.*
    from table(validate(formula1.raw.status, job_id => '_last')) as v;

/*
    Load report: one row per table. verdict 'ok' means the file was loaded and no row was rejected.
    Anything else needs a look: rejected rows, with the error and the raw record, are in
    formula1.raw.load_errors (select * from formula1.raw.load_errors order by table_name, line).
*/
with expected (table_name) as (
    select column1
    from values
        ('CIRCUITS'), ('CONSTRUCTOR_RESULTS'), ('CONSTRUCTOR_STANDINGS'), ('CONSTRUCTORS'),
        ('DRIVER_STANDINGS'), ('DRIVERS'), ('LAP_TIMES'), ('PIT_STOPS'), ('QUALIFYING'), ('RACES'),
        ('RESULTS'), ('SEASONS'), ('SPRINT_RESULTS'), ('STATUS')
),

loads as (
    select
        table_name,
        count(*) as files_loaded,
        sum(row_parsed) as rows_parsed,
        sum(row_count) as rows_loaded,
        sum(error_count) as rows_rejected,
        max(status) as status,
        max(first_error_message) as first_error
    from formula1.information_schema.load_history
    where schema_name = 'RAW' and last_load_time >= $load_started_at
    group by table_name
),

kept_aside as (
    select table_name, count(*) as rows_kept_aside
    from formula1.raw.load_errors
    group by table_name
)

select
    expected.table_name,
    coalesce(loads.files_loaded, 0) as files_loaded,
    loads.rows_parsed,
    loads.rows_loaded,
    loads.rows_rejected,
    coalesce(kept_aside.rows_kept_aside, 0) as rows_kept_aside,
    loads.status,
    loads.first_error,
    case
        when loads.table_name is null then 'NO FILE LOADED'
        -- a file with a header and no rows: every model built on the table would be empty
        when coalesce(loads.rows_loaded, 0) = 0 and expected.table_name <> 'SPRINT_RESULTS'
            then 'NO ROWS: required table is empty'
        when loads.rows_rejected > 0 or kept_aside.rows_kept_aside > 0
            then 'ROWS REJECTED: see formula1.raw.load_errors'
        else 'ok'
    end as verdict
from expected
left join loads on expected.table_name = loads.table_name
left join kept_aside on expected.table_name = kept_aside.table_name
order by verdict = 'ok', expected.table_name;
