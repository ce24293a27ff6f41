"""Reviews: many documents by many fields, each cell a typed value with verified
citations (fields, plan, run, service, export)."""
