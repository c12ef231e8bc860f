#!/usr/bin/env python
"""Django's usual entry point; `uv run plania ...` does the same."""

from plania.__main__ import main

if __name__ == "__main__":
    main()
