{#- One-way key from an identity string: a salted hash, so raw emails never leave the raw
    layer and keys cannot be reversed by hashing a list of known addresses without the salt. -#}
{% macro salted_hash(expression) -%}
    {{ dbt.hash(dbt.concat(["'" ~ var('person_key_salt') ~ "|'", expression])) }}
{%- endmacro %}
