"""`python -m backprop_explorer`: the `backprop-explorer` command."""

from backprop_explorer.app.cli import main

if __name__ == "__main__":
    main()
