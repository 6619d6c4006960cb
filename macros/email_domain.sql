{#- The domain part of a normalised email address. -#}
{% macro email_domain(email_column) -%}
    {{ dbt.split_part(email_column, "'@'", 2) }}
{%- endmacro %}
