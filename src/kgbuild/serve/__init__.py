"""Consumers of the emitted site: the static web server with negotiation and the SPARQL endpoint."""
