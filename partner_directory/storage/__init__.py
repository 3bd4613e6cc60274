"""The office's database: one engine for SQLite or PostgreSQL, and every table's migrations in one order."""
