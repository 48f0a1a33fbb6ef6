"""Intake of agency submissions: registry, dataset schemas, file reading, inbox."""
