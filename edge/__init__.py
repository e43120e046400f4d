"""anpr-edge: the software inside a plate-reading gate node."""

__version__ = "0.1.0"
