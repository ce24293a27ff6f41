"""Who may do what: API keys and tenants, budgets, rate limits and the local admin key."""
