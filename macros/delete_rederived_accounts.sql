{#- The accounts this run derives again, as a subquery of account keys: those the journeys
    it re-derives had before (int_accounts_scoped) and have now (fct_customer_journey);
    none on a full build, when every account is derived again. -#}
{% macro accounts_rederived_this_run() -%}
    {%- set scoped = _journeys_scoped_this_run() -%}
    {%- if scoped is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set accounts -%}
        select previous_accounts.account_key
        from {{ ref('int_accounts_scoped') }} as previous_accounts
        union
        select journey_accounts.account_key
        from {{ ref('fct_customer_journey') }} as journey_accounts
        where
            journey_accounts.account_key is not null
            and journey_accounts.journey_key in (
                select scoped.journey_key from {{ scoped }} as scoped
            )
            and {{ derived_this_run('journey_accounts.derived_at') }}
    {%- endset -%}
    {{ return(accounts) }}
{%- endmacro %}

{#- Pre-hook of dim_accounts: remove the accounts this run derives again (every account on
    a full build of the journey facts), so the insert that follows replaces them whole. -#}
{% macro delete_rederived_accounts() -%}
    {%- if is_incremental() -%}
        {%- set accounts = accounts_rederived_this_run() -%}
        delete from {{ this }}
        {%- if accounts is not none %}
        where account_key in ({{ accounts }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
