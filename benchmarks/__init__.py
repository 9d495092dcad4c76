"""The benchmarks behind the figures of docs/performance.md, each run by its `make benchmark…` target."""
