"""The CKAN Action API (read side) at /api/3/action/<name> and /api/action/<name>."""
