"""The office's mail: a message as the app writes it (``message``), the persisted outbox (``outbox``)."""
