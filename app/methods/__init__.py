"""Pure computation: plain data in, plain data out. No Flask, no database."""
