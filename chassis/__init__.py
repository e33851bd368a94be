"""The runtime kit every service uses. No business logic lives here."""
