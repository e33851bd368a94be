"""Internal management (智管强警)."""
