"""Our REST API under /api/v1/ (django-ninja, OpenAPI 3.1): see docs/api.md."""
