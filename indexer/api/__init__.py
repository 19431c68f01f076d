"""The HTTP API and dashboard: the reports' JSON over HTTP, and an HTML page of them."""
