"""mention-monitor: self-hosted brand-mention monitoring and alerting."""

__version__ = "0.1.0"
