"""Request and response bodies of the JSON API (pydantic 2)."""
