"""Pure business rules of the 1022 backend (no database, no HTTP): easy to unit-test."""
