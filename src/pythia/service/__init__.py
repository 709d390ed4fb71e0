"""One facade over the engine for the CLI, API, dashboard, metrics and notifications: it
builds the concrete pieces (data sources, venues, stores) from configuration."""
