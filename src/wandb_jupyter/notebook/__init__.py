"""The notebook layer: detection, magics, display, cell hooks (IPython glue over the core)."""
