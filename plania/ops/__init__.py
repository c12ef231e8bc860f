"""Operations: health and readiness endpoints, backup and restore (docs/deploy.md)."""
