"""The command line's handlers, one module per sub-command family."""
