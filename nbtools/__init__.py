"""nbtools: camera-trap ecology in Jupyter."""
__version__ = "0.1.0"
