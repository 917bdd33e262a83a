"""nbtools: camera-trap ecology in Jupyter."""

#: The package's version: the one place it is written (pyproject.toml reads it when building, and the
#: wheel's metadata, ``importlib.metadata.version("leopard-nbtools")``, is made from it).
__version__ = "0.1.0"
