"""FHIR R4 (4.0.1) endpoints at /fhir/: JSON resources built from the same scoped records as the
pages and the REST API. See docs/api.md."""
