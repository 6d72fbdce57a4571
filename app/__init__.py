"""evote: owners' e-voting backend for residential estates (业主共同决定 / 业主大会电子表决)."""

__version__ = "0.1.0"
