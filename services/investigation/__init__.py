"""Smart investigation (智侦合成)."""
