"""Citizen service (智服惠民)."""
