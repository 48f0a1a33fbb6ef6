"""Compliance with Quy chế 4168: update timeliness (Điều 7, 11–17) and the
Health Department's monthly report to the Steering Committee (Điều 19)."""
