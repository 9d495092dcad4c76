"""The benchmarks behind the README's and the docs' figures, each run by its `make benchmark…` target."""
