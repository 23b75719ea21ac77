"""Sage 300 Web API client: the vocabulary (every name, with its source), OData queries, typed models, the client."""
