"""The five pillar services and the police-cloud data service."""
