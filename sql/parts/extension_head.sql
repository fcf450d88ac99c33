-- mvcert extension script, built by `make -C sql` from the files under sql/. Do not edit.
\echo Use "CREATE EXTENSION mvcert" to load this file. \quit

-- Functions refer to each other regardless of file order; bodies are checked when called.
SET LOCAL check_function_bodies = off;
