"""Commands users run around Pulumi, each `python -m scripts.<name>`: a thin main() over functions the tests call."""
