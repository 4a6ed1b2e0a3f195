"""One reader per format family; each yields RawRecord (location + schema-shaped data)."""
