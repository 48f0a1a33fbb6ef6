"""The DuckDB warehouse: versioned migrations, loading, publishing."""
