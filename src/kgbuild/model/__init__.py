"""The shared leaf: terms and IRIs, formats and negotiation, errors, SPARQL syntax, the embedded store."""
