{% macro normalise_email(column) -%}
    {#- Emails match across systems only once trimmed and lowercased. -#}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
