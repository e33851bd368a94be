"""Smart sensing and prevention (智感防控)."""
