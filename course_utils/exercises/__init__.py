"""Exercise checkers, one module per lesson (`lesson01`, `lesson02`, ...)."""
