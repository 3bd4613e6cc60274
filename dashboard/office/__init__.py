"""The office's page (``/staff``): drafts, review and publish, history and downloads, the visits register, the report."""
