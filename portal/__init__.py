"""Operator tooling: run and talk to the portal's services from the project."""
