{#- dbt's get_where_subquery, with the `where` config rendered when the test runs, so a
    where can call a project macro that looks at this run (rows_written_this_run,
    keys_written_this_run). dbt renders test configs once while parsing, when the
    warehouse cannot be read; such a where is written inside {% raw %}...{% endraw %}. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = render(where) if '{{' in where else where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
