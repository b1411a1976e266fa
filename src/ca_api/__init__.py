"""ca_api: the GraphQL back end of a council's Client Affairs service."""

__version__ = "0.1.0"
