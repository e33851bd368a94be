"""Smart warning (智慧预警)."""
