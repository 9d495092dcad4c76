"""The one source of truth for a call control application's fields: names, types, defaults, validation, what may
carry a credential and how it is shown (redact), and the argument reference written from it."""
