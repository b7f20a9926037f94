"""Built-in site adapters for crosspost (import name: crosspost_adapters)."""
