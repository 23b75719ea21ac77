"""Sage 300 Web API client: resources, OData queries, typed payloads and the HTTP client."""
