"""Validation of submissions: checks yield error records; nothing raises."""
