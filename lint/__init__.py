"""intlint: a static-analysis linter for Salesforce integration code and config."""

__version__ = "0.1.0"
INFORMATION_URI = "https://github.com/intlint/intlint"
