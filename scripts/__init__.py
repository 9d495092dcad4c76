"""Commands users run around the stack: `run_stack` (make up/preview/destroy), `adopt`, `benchmark`."""
