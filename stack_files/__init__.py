"""The stack files (stacks/Pulumi.<stack>.yaml) as the program reads them: the loader and the JSON Schema."""
