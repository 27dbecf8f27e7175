"""Build the linked-data register of the Dutch cultuurregio's: read, map, validate, emit."""

__version__ = "0.1.0"
