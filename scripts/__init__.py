"""Command-line entry points (`make run`, `make bench`, data generators); importable by the tests."""
