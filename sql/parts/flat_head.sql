-- mvcert @EXTVERSION@ as a flat install script, built by `make -C sql`. Do not edit.
-- For servers where CREATE EXTENSION files cannot be placed:
--   psql -v ON_ERROR_STOP=1 -d mydb -f mvcert_flat.sql
-- Creates schema audit with the same objects as CREATE EXTENSION mvcert VERSION '@EXTVERSION@'.
BEGIN;
SET LOCAL check_function_bodies = off;
