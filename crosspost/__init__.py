"""crosspost: publish fan-fiction story files to LiveJournal-code sites."""

__version__ = "0.1.0"
