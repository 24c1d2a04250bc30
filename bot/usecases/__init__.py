"""Use cases: one module per family, each built with only the dependencies it uses."""
