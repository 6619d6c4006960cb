{#- The single value of one column of a one-row seed, read at compile time.
    Used where SQL needs a constant (a window frame length) that the agreement defines:
    the number still lives only in the seed. Returns `default` while dbt only parses. -#}
{% macro seed_value(seed_name, column, default=0) -%}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set result = run_query('select ' ~ column ~ ' from ' ~ ref(seed_name)) -%}
    {%- set values = result.columns[0].values() -%}
    {%- if values | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            'seed ' ~ seed_name ~ ' must have exactly one row, found ' ~ (values | length)
        ) }}
    {%- endif -%}
    {{ return(values[0]) }}
{%- endmacro %}
