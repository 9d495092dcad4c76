"""Commands users run, each `python -m scripts.<name>` with a thin main() over functions the tests call."""
