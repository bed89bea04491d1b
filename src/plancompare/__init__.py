"""plancompare: compare Chinese district development plans side by side."""

__version__ = "0.1.0"
