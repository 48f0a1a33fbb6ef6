"""Superset side of the portal: config, server control, assets as code, REST client."""
